# shellcheck shell=sh
# Metadata without find -printf: one stat -c per batch of names. Arguments: IDX NAME...
# The batch is sent whole when stat succeeded for every name and printed exactly one line each (no
# newline in a name or link target); otherwise stat runs on each name alone. The console knows
# each name exactly (the NUL-framed list), so it can take the link target out of %N.
# X IDX N NAME... TEXT FLAGS.
idx=$1
shift
fmt="%f %u %g %s %Y %y %Z %z %i %h %t %T %N"
out=$(stat -c "$fmt" -- "$@" 2>/dev/null && echo x)
case $out in
*x)
	out=${out%x}
	n=$(printf %s "$out" | wc -l)
	if [ "$n" -eq $# ]; then
		printf "X\0%s\0%s\0" "$idx" $#
		printf "%s\0" "$@"
		printf "%s\0" "$out"
		for f; do if [ -r "$f" ]; then printf r; else printf u; fi; done
		printf "\0"
		exit 0
	fi
	;;
esac
for f; do
	out=$(stat -c "$fmt" -- "$f" 2>/dev/null && echo x) || continue
	case $out in *x) ;; *) continue ;; esac
	printf "X\0%s\0%s\0%s\0%s\0" "$idx" 1 "$f" "${out%x}"
	if [ -r "$f" ]; then printf "r\0"; else printf "u\0"; fi
done
