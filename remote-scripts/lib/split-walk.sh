# shellcheck shell=sh
# Joined into scan.sh where it reads this file (scanner/script.ts): its code runs there, on the
# script's arguments and variables.

# A quick scan's metadata pass as two walks at once, where the console named directories one
# level below some targets' roots (about half of the entries, judged from the last full scan:
# scan/walk-split.ts): the first walk prunes them, the second starts at the root too and prunes
# every other entry one level down. Both see the tree as one walk would, with the same -xdev,
# -maxdepth, exclusions and include filter, whatever a named directory has become meanwhile (a
# file, a link, a mount point, gone). perl (merger) passes on whole records of either walk.
# split_of IDX "$@": sets spos, where target IDX's DIR-PATTERNs start (numbered as the script
# numbers its parameters), and sn, how many (0: none).
split_of() {
	sn=0 spos=0
	i=$splitat k=0
	while [ "$k" -lt "$nsplit" ]; do
		eval "sx=\${$((i + 1))} sc=\${$((i + 2))}"
		if [ "$sx" = "$1" ]; then
			sn=$sc spos=$((i + 2))
			return 0
		fi
		i=$((i + 2 + sc)) k=$((k + 1))
	done
}
# split_words "$@": false when the selected target has no named directory; else sets rootpat
# (its root, glob-escaped), deep (what lies two levels or more below it) and sdirs (the -path
# tests of its named directories, naming the script's parameters).
split_words() {
	split_of "$idx" "$@"
	[ "$sn" -gt 0 ] || return 1
	glob_escape "$root"
	# shellcheck disable=SC2034 # read by the eval'd find text
	rootpat=$escaped
	# shellcheck disable=SC2034 # read by the eval'd find text
	if [ "$root" = / ]; then deep='/*/*'; else deep="$escaped/*/*"; fi
	sdirs="-path \"\${$spos}\""
	j=1
	while [ "$j" -lt "$sn" ]; do
		sdirs="$sdirs -o -path \"\${$((spos + j))}\""
		j=$((j + 1))
	done
}
split_begin() {
	if begin_walk; then eval "walked_$idx=1"; fi
}
# split_end: the W record of each target the two walks walked, once the merger (which fails the
# scan on a record cut short) is done; the finds' own statuses are not seen through the pipes.
split_end() {
	eval "[ \"\${walked_$idx:-}\" = 1 ]" || return 0
	end_walk 0
}
split_first() {
	eval "[ \"\${walked_$idx:-}\" = 1 ]" || return 0
	meta_expr
	if split_words "$@"; then
		eval "$sel \\( ! -path \"\$deep\" \\( $sdirs \\) -prune \\) -o $mexpr" 2>/dev/null
	else
		eval "$sel $mexpr" 2>/dev/null
	fi
}
split_second() {
	eval "[ \"\${walked_$idx:-}\" = 1 ]" || return 0
	split_words "$@" || return 0
	meta_expr
	eval "$sel -path \"\$rootpat\" -o \\( ! -path \"\$deep\" ! \\( $sdirs \\) -prune \\) -o $mexpr" 2>/dev/null
}
# The T records first: the merger passes on E records only.
split_walks() {
	each_target split_begin "$@"
	each_target split_second "$@" | {
		exec 4<&0
		each_target split_first "$@" </dev/null | perl -e "$merger" 14
	}
}
