# shellcheck shell=sh
# getfacl escapes names itself: its output is sent as it is, in a section (A acl).
printf "A\0acl\0"
getfacl -s -n -p -E "$@" 2>/dev/null
printf "\0"
