# shellcheck shell=sh
# File content as hex (od), for targets with a content limit. Arguments: LIMIT FILE...
# Per file: O PATH <od lines> \0 STATUS, od's exit status.
lim=$1
shift
for f; do
	printf "O\0%s\0" "$f"
	od -An -v -tx1 -N "$lim" -- "$f" 2>/dev/null
	s=$?
	printf "\0%s\0" "$s"
done
