# shellcheck shell=sh
# lsattr -d on names without a newline, its output sent as it is: A flags, "FLAGS NAME" lines.
printf "A\0flags\0"
lsattr -d "$@" 2>/dev/null
printf "\0"
