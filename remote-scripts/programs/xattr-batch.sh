# shellcheck shell=sh
# getfattr escapes names itself: its output is sent as it is, in a section (A xattrs).
printf "A\0xattrs\0"
getfattr -h -d -m - -e hex --absolute-names "$@" 2>/dev/null
printf "\0"
