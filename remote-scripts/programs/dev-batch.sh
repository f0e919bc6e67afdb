# shellcheck shell=sh
# Device numbers: D NAME MAJOR:MINOR (hex), for the names given.
stat --printf "D\0%n\0%t:%T\0" "$@"
