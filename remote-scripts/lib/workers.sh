# shellcheck shell=sh
# The settings common to the scan and list modes (JOBS NICE), the test of names a hash line
# cannot carry, and hash_files.
# Joined into scan.sh where it reads this file (scanner/script.ts): its code runs there, on the
# script's arguments and variables.

[ $# -ge 2 ] || fail 64 "missing arguments"
jobs=$1
gentle=$2
shift 2
number "$jobs"
number "$gentle"
# JOBS 0: as many hash workers as the host has cores.
[ "$jobs" != 0 ] || jobs=$cores
number "$jobs"
[ "$parallel" = 1 ] || jobs=1
fact jobs "$jobs"
if [ "$gentle" = 1 ]; then
	# Children inherit both: find, stat, the hashers and every other tool run gently.
	if renice -n 10 -p $$ >/dev/null 2>&1; then fact niced 10; else fact niced no; fi
	if ionice -c 2 -n 7 -p $$ >/dev/null 2>&1; then fact ioniced best-effort:7; else fact ioniced no; fi
fi

# Hash lines from parallel workers share one pipe, so each line must be a single write of at
# most PIPE_BUF (4096) bytes: names with a newline, or longer than 3,900 bytes, are hashed one
# by one instead (N records). GNU find tests the length with a regex, others with a glob.
if [ "$findf" = gnu ] || [ "$findf" = gnu-printf ]; then
	longtest="-regextype posix-extended -regex '.{3900}.*'"
else
	# 3,900 question marks, built by doubling (no text tool).
	longpat='' piece='?' n=3900
	while [ "$n" -gt 0 ]; do
		[ $((n % 2)) = 1 ] && longpat="$longpat$piece"
		piece="$piece$piece" n=$((n / 2))
	done
	longpat="$longpat*"
	longtest="-path \"\$longpat\""
fi
# hash_files: a hash line (or an error line) for each NUL-terminated name on stdin. With perl,
# JOBS workers at once, each framed by hashrun; without it one hasher at a time, so that its
# lines reach the pipe whole and in order (the console asks again for a file without a line,
# and then fails the scan: it never takes a missing hash for a change).
hash_files() {
	if [ "$perlhash" = yes ]; then
		# shellcheck disable=SC2086
		xargs -0 -r -P "$jobs" perl -e "$hashrun" $hasher -- 2>/dev/null
	else
		# shellcheck disable=SC2086
		xargs -0 -r $hasher 2>/dev/null
	fi
}
