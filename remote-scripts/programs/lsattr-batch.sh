# shellcheck shell=sh
# lsattr -d: L STATUS N NAME... TEXT, TEXT being "FLAGS NAME\n" for each name lsattr could read,
# in order. When lsattr failed for some name and some name holds a newline, each name goes alone.
out=$(lsattr -d "$@" 2>/dev/null && echo x)
case $out in
*x) st=0 out=${out%x} ;;
*)
	st=1
	case "$*" in
	*"
"*)
		for f; do
			out=$(lsattr -d "$f" 2>/dev/null && echo x) || continue
			case $out in *x) printf "L\0%s\0%s\0%s\0%s\0" 0 1 "$f" "${out%x}" ;; esac
		done
		exit 0
		;;
	esac
	[ -n "$out" ] && out="$out
"
	;;
esac
printf "L\0%s\0%s\0" $st $#
printf "%s\0" "$@"
printf "%s\0" "$out"
