# Driftwatch scanner, record protocol 4. The format is documented in docs/scanner-protocol.md.
#
# Fed on stdin to `sh -s -- ARGS` (locally or over SSH) so that nothing is written on the host.
# POSIX sh only: it runs under dash, bash and BusyBox ash, with GNU find (-printf), a find without
# -printf (GNU or BusyBox) plus stat -c, and whichever of openssl/sha256sum, getfattr, getfacl,
# getcap, lsattr, od the host has. What the host offers is reported first (P records).
# A tool the scan relies on is checked on a known input first (a hasher on "abc", find, xargs, od,
# perl): a host's awk, sha256sum or perl may be missing, replaced or broken. A tool that fails
# its check is reported (fact checks-failed) and not used; hashing and record framing use no
# text tool (awk, sed) at all.
#
# ARGS: PROTO MODE ...
#   4 preflight
#   4 scan JOBS NICE HASH NTARGETS, then per target:
#        IDX ROOT MAXDEPTH XDEV CONTENT NPRUNE PRUNE-WORDS... NINCLUDE INCLUDE-WORDS...
#   4 list JOBS NICE NHASH PATH... NCONTENT (LIMIT PATH)...
# JOBS: parallel hash workers, 0 for one per core. NICE: 1 to lower CPU and I/O priority.
# HASH: 0 to skip hashing and file content (the metadata pass of a quick scan). CONTENT: the
# content size limit of the target's files in bytes, 0 for none.
# The console builds PRUNE-WORDS and INCLUDE-WORDS as find(1) expression words, with every
# user-supplied path and pattern already glob-escaped. This script never evaluates a value it
# was given: `eval` only ever sees text that names positional parameters and variables by name.
set -u
LC_ALL=C
TZ=UTC
QUOTING_STYLE=literal
export LC_ALL TZ QUOTING_STYLE

fail() {
	echo "driftwatch scanner: $2" >&2
	exit "$1"
}
[ "${1:-}" = 4 ] || fail 64 "unsupported protocol ${1:-none} (this scanner speaks 4)"
[ $# -ge 2 ] || fail 64 "no mode given"
mode=$2
shift 2
# Numbers go into eval'd text, so they must be plain digits.
number() { case $1 in '' | *[!0-9]*) fail 64 "bad argument '$1'" ;; esac; }
have() { command -v "$1" >/dev/null 2>&1; }
fact() { printf 'P\0%s\0%s\0' "$1" "$2"; }

nl='
'
printf 'V\0%s\0' 4

# The programs other processes run, joined in here as text, each described in its file:
# perl -e "$attrhelper" reads extended attributes and ext flags, perl -e "$hashrun" frames the hash
# workers' lines; the sh -c programs run on batches of names that find -exec or xargs hand them.
# SC2016: program texts, expanded by the perl or sh that runs them. SC2034: a program that
# action() runs is named there, its text read through eval.
# shellcheck disable=SC2016,SC2034
{
	attrhelper='@perl/attr-reader.pl'
	hashrun='@perl/hash-framer.pl'
	hashone='@programs/hash-one.sh'
	contentone='@programs/content-one.sh'
	statbatch='@programs/stat-batch.sh'
	lsattrbatch='@programs/lsattr-batch.sh'
	flagsbatch='@programs/flags-batch.sh'
	capsbatch='@programs/caps-batch.sh'
	xattrbatch='@programs/xattr-batch.sh'
	aclbatch='@programs/acl-batch.sh'
	devbatch='@programs/dev-batch.sh'
}

. ./lib/preflight.sh

if [ "$mode" = preflight ]; then
	printf 'Z\0'
	exit 0
fi
# Every pass hands its names on through xargs.
[ "$xargsok" = 1 ] || fail 67 "xargs on this host is missing or failed its check (names given NUL-terminated must reach the command whole)"

. ./lib/workers.sh
. ./lib/list.sh
if [ "$mode" = list ]; then
	list_mode "$@"
fi

. ./lib/targets.sh
. ./lib/walks.sh

if [ "$hash" = 1 ] && [ "$walks" = one ]; then
	# One walk per target; the hash workers read its list of files from descriptor 4 meanwhile,
	# and their lines are held and written after the walks' records. Where perl reads the
	# attributes, the walks hand it their entries on descriptor 5.
	walk_all() {
		if [ "$perlattrs" = yes ]; then
			{
				names
				each_target one_walk "$@"
			} 5>&1 >&3 | perl -e "$attrhelper" walk 4>&-
		else
			names
			each_target one_walk "$@"
		fi
	}
	exec 3>&1
	hashes=$(walk_all "$@" 4>&1 >&3 | hash_files)
	printf 'H\0'
	[ -z "$hashes" ] || printf '%s\n' "$hashes"
	printf '\0'
elif [ "$hash" = 1 ]; then
	# Pass 3, at the same time as passes 1 and 2: sha256 of readable regular files, all targets
	# through one set of parallel workers. The other passes write the stream meanwhile; the hash
	# lines are held (a line per file) and written after them.
	exec 3>&1
	hashes=$(
		{
			names
			each_target meta_walk "$@"
			each_target extra_walk "$@"
		} >&3 &
		each_target hash_list "$@" | hash_files
		wait
	)
	printf 'H\0'
	[ -z "$hashes" ] || printf '%s\n' "$hashes"
	printf '\0'
else
	# The metadata pass of a quick scan: what else the entries hold is reused from the last full
	# scan where their ctime and inode did not move (any change to them moves ctime), or read by
	# the list run that follows.
	names
	each_target meta_walk "$@"
fi

printf 'Z\0'
