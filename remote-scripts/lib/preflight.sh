# shellcheck shell=sh
# Pre-flight: what this host offers, as P records (facts). Every probe is cheap and writes nothing.
# Joined into scan.sh where it reads this file (scanner/script.ts): its code runs there, on the
# script's arguments and variables.

if [ -n "${BASH_VERSION:-}" ]; then
	shell="bash $BASH_VERSION"
else
	shell=$(readlink "/proc/$$/exe" 2>/dev/null) || shell=unknown
	case $shell in *busybox*) shell="busybox ash" ;; *) shell=${shell##*/} ;; esac
fi
# Each probe that starts a program costs ~1 ms of CPU, per server and per scan: a host with GNU
# find answers -printf, -readable and writing to an inherited descriptor (/dev/fd/4, which needs
# /proc) in one; only where that fails is each asked alone.
readable=
fdok=0
# Tools that failed their check on a known input, space-separated (fact checks-failed).
broken=
# The probe must also print what find prints: "/" is a directory.
if [ "$( (find / -maxdepth 0 -readable -printf '%y%p' -fprint0 /dev/fd/4 4>/dev/null) 2>/dev/null)" = d/ ]; then
	findf=gnu-printf readable=-readable fdok=1
else
	# shellcheck disable=SC2185 # find --version and --help ask find which it is: no walk
	if [ "$(find / -maxdepth 0 -printf '%y%p' 2>/dev/null)" = d/ ]; then
		findf=gnu-printf
	elif find --version 2>/dev/null | grep GNU >/dev/null 2>&1; then
		findf=gnu
	elif find --help 2>&1 | grep BusyBox >/dev/null 2>&1; then
		findf=busybox
	elif have find; then
		findf=other
	else
		findf=none
	fi
	find / -maxdepth 0 -readable >/dev/null 2>&1 && readable=-readable
	[ "$findf" = gnu-printf ] && (find / -maxdepth 0 -fprint0 /dev/fd/4 4>/dev/null) >/dev/null 2>&1 && fdok=1
fi
case $(stat --version 2>/dev/null) in
*GNU*) statf=gnu ;;
*)
	if stat -c '%f' / >/dev/null 2>&1; then
		case $(stat --help 2>&1) in *BusyBox*) statf=busybox ;; *) statf=other ;; esac
	else
		statf=none
	fi
	;;
esac
# checked NAME COMMAND...: COMMAND, given "abc" on stdin, prints the sha256 of "abc" first.
abc=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
checked() {
	c=$1
	shift
	have "$1" || return 1
	case $(printf abc | "$@" 2>/dev/null) in "$abc"*) return 0 ;; esac
	broken="$broken $c"
	return 1
}
hashers=
# Where the host has perl, openssl and perl's framer of the hash workers' lines (hashrun above)
# are checked in one run: the framer runs openssl on "abc" (through /dev/stdin) and must print its
# hash for that name. Where that fails, each is checked alone, so that the one at fault is named.
hashframed=0
if have perl && have openssl && [ "$(printf abc | perl -e "$hashrun" openssl dgst -sha256 -r -- /dev/stdin 2>/dev/null)" = "$abc */dev/stdin" ]; then
	hashframed=1 hashers=openssl
else
	checked openssl openssl dgst -sha256 -r && hashers=openssl
fi
checked sha256sum sha256sum && hashers="${hashers:+$hashers }sha256sum"
# openssl is the faster of the two where both exist (docs/scanner-protocol.md has the measurements).
case $hashers in
openssl*) hasher='openssl dgst -sha256 -r' ;;
sha256sum) hasher=sha256sum ;;
*) hasher= ;;
esac
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
case $cores in '' | *[!0-9]* | 0) cores=1 ;; esac
# xargs hands the names on whole, NUL-terminated, spaces and all; and runs commands in parallel
# (-P), asked in the same run where it can.
xargsok=0
parallel=0
if [ "$(printf 'a\0b c\0' | xargs -0 -r -P 2 sh -c 'printf "%s|" "$@"' sh 2>/dev/null)" = 'a|b c|' ]; then
	xargsok=1 parallel=1
elif [ "$(printf 'a\0b c\0' | xargs -0 -r sh -c 'printf "%s|" "$@"' sh 2>/dev/null)" = 'a|b c|' ]; then
	xargsok=1
elif have xargs; then
	broken="$broken xargs"
fi
# od for kept content, where it prints bytes as od does.
odok=no
case $(printf AB | od -An -v -tx1 2>/dev/null) in
*"41 42"*) odok=yes ;;
*) have od && broken="$broken od" ;;
esac
tool() { if have "$1"; then fact "$1" "${2:-yes}"; else fact "$1" no; fi; }

fact protocol 4
fact shell "$shell"
fact find "$findf"
fact stat "$statf"
fact hashers "${hashers:-none}"
fact hasher "${hasher%% *}"
fact cores "$cores"
fact xargs-parallel "$parallel"
for t in getfattr getfacl getcap lsattr gzip nice renice ionice; do tool "$t"; done
fact od "$odok"
# perl as the attribute reader where it can make the system calls (attrhelper above), and as the
# hash workers' framer (hashrun above) where it frames the hash of a known file as expected.
perlattrs=no
perlhash=no
probed=
if have perl; then
	# The probe prints ok, then perl's record of / for the check below, in one start. Its fields
	# are NUL-terminated: joined by | here (xargs is checked above; without it, no scan runs).
	if [ "$xargsok" = 1 ]; then
		probed=$(printf '/\0' | perl -e "$attrhelper" probe 2>/dev/null | xargs -0 -r printf '%s|' 2>/dev/null)
	else
		{ probed=$(perl -e "$attrhelper" probe </dev/null 2>/dev/null); } 2>/dev/null
	fi
	case $probed in ok | "ok|"*) perlattrs=yes ;; esac
	# shellcheck disable=SC2086
	if [ "$hashframed" = 1 ]; then
		perlhash=yes
	elif [ -z "$hasher" ]; then
		:
	elif [ "$(perl -e "$hashrun" $hasher -- /dev/null 2>/dev/null)" = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 */dev/null" ]; then
		perlhash=yes
	else
		broken="$broken perl"
	fi
fi
# The attribute reader must read on / (it exists everywhere) what the host's tools read there.
. ./lib/attr-check.sh
attrcheck=no
[ "$perlattrs" = yes ] && attr_check / "${probed#ok|}"
fact perl "$perlattrs"
fact attr-check "$attrcheck"
fact perl-hash "$perlhash"
# The uid from the kernel (a host's `id` may be replaced); the name from id where it looks like one.
uid=
while read -r k v _; do
	if [ "$k" = Uid: ]; then
		uid=$v
		break
	fi
done </proc/self/status 2>/dev/null
idout=$(id 2>/dev/null) || idout=
[ -n "$uid" ] || {
	uid=${idout#uid=}
	uid=${uid%%[!0-9]*}
}
case $uid in '' | *[!0-9]*) uid='?' ;; esac
user=unknown
case $idout in
"uid=$uid("*)
	user=${idout#"uid=$uid("}
	user=${user%%)*}
	case $user in '' | *[!A-Za-z0-9._-]*) user=unknown ;; esac
	;;
esac
if have sudo; then
	if [ "$uid" = 0 ]; then
		fact sudo "yes (running as root)"
	elif [ "$mode" = preflight ]; then
		if sudo -n true >/dev/null 2>&1; then fact sudo "yes, without password"; else fact sudo "yes, needs a password"; fi
	else
		fact sudo yes
	fi
else
	fact sudo no
fi
fact user "$user ($uid)"
kernel=
{ read -r ostype </proc/sys/kernel/ostype && read -r osrelease </proc/sys/kernel/osrelease && kernel="$ostype $osrelease"; } 2>/dev/null
[ -n "$kernel" ] || kernel=$(uname -sr 2>/dev/null) || kernel=unknown
fact kernel "$kernel"
fact time "$(date +%s 2>/dev/null || echo unknown)"
if [ -e /sys/fs/selinux/enforce ]; then fact selinux-enabled yes; else fact selinux-enabled no; fi
if [ "$findf" = gnu-printf ]; then
	meta='printf'
elif [ "$statf" != none ] && [ "$findf" != none ]; then
	meta=stat
else
	meta=none
fi
fact meta "$meta"
# GNU find can write the list of files to hash to an inherited pipe (-fprint0 /dev/fd/4) in the
# same walk that prints the metadata; that needs /dev/fd (Linux: /proc mounted).
walks=several
[ "$meta" = printf ] && [ "$fdok" = 1 ] && walks=one
fact walks "$walks"
fact checks-failed "${broken# }"
