# Sourced by the ops scripts: the one rule for their run directories (demo, Elasticsearch, bench).
# A script keeps pid files, keys and data there and, as root, kills what its pid files name: so it
# never works in a directory someone else owns or could have prepared (a symlink, or a directory of
# another user's in a shared /var/tmp).
#   claim_run_dir DIR VARIABLE [OWNER ...]
# creates DIR (0750) if it is not there; else refuses, with a message naming VARIABLE (the setting
# that chooses another directory), unless DIR is a real directory owned by the caller or by one of
# the OWNERs (e.g. the system user a script runs Elasticsearch as).
claim_run_dir() {
  local dir=$1 variable=$2
  shift 2
  local me owner
  me=$(id -un)
  if [ -L "$dir" ]; then
    echo "${0##*/}: $dir is a symbolic link; refusing to use it as a run directory (set $variable to another directory)" >&2
    return 1
  fi
  if [ ! -e "$dir" ]; then
    mkdir -p -m 0750 "$dir"
    return 0
  fi
  if [ ! -d "$dir" ]; then
    echo "${0##*/}: $dir is not a directory (set $variable to another directory)" >&2
    return 1
  fi
  owner=$(stat -c %U "$dir")
  if [ "$owner" = "$me" ]; then
    return 0
  fi
  for allowed in "$@"; do
    [ "$owner" = "$allowed" ] && return 0
  done
  echo "${0##*/}: $dir belongs to $owner, not to $me: refusing to reuse another user's run directory (remove it, or set $variable to another directory)" >&2
  return 1
}
