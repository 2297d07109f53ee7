// The Watchlists pages' upload fields (templates/watchlists.html, watchlist.html): a file over the
// manager's upload limit (data-max-bytes: spring.servlet.multipart.max-file-size) is stopped here,
// with a message saying so, before it is sent: the manager refuses such a request before any page
// could say why.
'use strict';
(function () {
  document.querySelectorAll('input[type=file][data-max-bytes]').forEach(function (input) {
    const form = input.form;
    form.addEventListener('submit', function (event) {
      const max = Number(input.dataset.maxBytes);
      const file = input.files && input.files[0];
      let note = form.querySelector('.upload-too-large');
      if (file && file.size > max) {
        event.preventDefault();
        if (!note) {
          note = document.createElement('p');
          note.className = 'message upload-too-large';
          note.id = 'upload-too-large';
          input.after(note);
        }
        note.textContent = file.name + ' is ' + file.size + ' bytes: at most ' + max
          + ' can be uploaded. Put it in the watchlist directory and name it instead.';
      } else if (note) {
        note.remove();
      }
    });
  });
})();
