# shellcheck shell=sh
# getcap prints only files that have capabilities: almost always nothing for a whole batch.
# A batch with some is halved until each such file is asked alone, so that its name is known
# exactly. C NAME CAPS.
caps() {
	out=$(getcap "$@" 2>/dev/null)
	[ -n "$out" ] || return 0
	if [ $# -eq 1 ]; then
		printf "C\0%s\0%s\0" "$1" "${out#"$1"}"
		return 0
	fi
	(
		n=$#
		h=$((n / 2))
		i=0
		for f; do
			i=$((i + 1))
			[ $i -le $h ] && set -- "$@" "$f"
		done
		shift $n
		caps "$@"
	)
	shift $(($# / 2))
	caps "$@"
}
caps "$@"
