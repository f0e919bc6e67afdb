# shellcheck shell=sh
# The scan mode's arguments: HASH NTARGETS and the targets (select_target, each_target); every
# argument is checked before anything runs.
# Joined into scan.sh where it reads this file (scanner/script.ts): its code runs there, on the
# script's arguments and variables.

[ "$mode" = scan ] || fail 64 "unknown mode '$mode'"
[ "$meta" != none ] || fail 66 "this host has neither GNU find -printf nor find with stat -c"
[ $# -ge 2 ] || fail 64 "missing arguments"
hash=$1
ntargets=$2
shift 2
number "$hash"
number "$ntargets"
[ "$hash" = 0 ] || [ -n "$hasher" ] || fail 65 "no working sha256 tool on this host (openssl or sha256sum; tools that failed their check:${broken:- none})"

# glob_escape VALUE: sets `escaped` to VALUE with * ? [ ] \ quoted, so that -path matches it
# literally (the include filter's "the root itself": the root may hold glob characters).
glob_escape() {
	escaped='' rest=$1
	while [ -n "$rest" ]; do
		c=${rest%"${rest#?}"}
		rest=${rest#?}
		case $c in '*' | '?' | '[' | ']' | \\) escaped="$escaped\\$c" ;; *) escaped="$escaped$c" ;; esac
	done
}

# select_target N "$@": read the target whose arguments start at positional parameter N of the
# script. Sets idx, root, content, next (where the following target starts), `sel` (the find
# command text up to and including the prune clause) and `inc` (the include filter). That text
# names the script's parameters by number; inside this function they sit one place later.
# SC2154: idx, root, ... are set by eval from the parameters. SC2034: root_pattern is read by the
# eval'd find text.
# shellcheck disable=SC2154,SC2034
select_target() {
	o=$1
	eval "idx=\${$((o + 1))} root=\${$((o + 2))} maxdepth=\${$((o + 3))} xdev=\${$((o + 4))} content=\${$((o + 5))} np=\${$((o + 6))}"
	number "$idx"
	number "$np"
	number "$content"
	[ -z "$maxdepth" ] || number "$maxdepth"
	sel="find \"\${$((o + 1))}\""
	[ -n "$maxdepth" ] && sel="$sel -maxdepth \"\${$((o + 2))}\""
	[ "$xdev" = 1 ] && sel="$sel -xdev"
	i=$((o + 6))
	if [ "$np" -gt 0 ]; then
		sel="$sel \\("
		while [ "$i" -lt $((o + 6 + np)) ]; do sel="$sel \"\${$i}\""; i=$((i + 1)); done
		sel="$sel \\) -prune -o"
	fi
	eval "ni=\${$((i + 1))}"
	number "$ni"
	i=$((i + 1))
	inc=""
	if [ "$ni" -gt 0 ]; then
		glob_escape "$root"
		root_pattern=$escaped
		inc="\\( -path \"\$root_pattern\""
		while [ "$i" -lt $((o + 7 + np + ni)) ]; do inc="$inc \"\${$i}\""; i=$((i + 1)); done
		inc="$inc \\)"
	fi
	next=$i
}
# each_target FUNCTION "$@": select each target in turn and call FUNCTION "$@".
each_target() {
	fn=$1
	shift
	o=1
	t=0
	while [ "$t" -lt "$ntargets" ]; do
		select_target "$o" "$@"
		o=$next
		t=$((t + 1))
		# The find text names the script's parameters by number: FUNCTION sees them as the script does.
		$fn "$@"
	done
}
# Every argument is checked before anything runs in the background.
next=1
each_target : "$@"
[ "$next" -eq $(($# + 1)) ] || [ "$ntargets" = 0 ] || fail 64 "unexpected arguments after the last target"
