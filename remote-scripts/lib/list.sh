# shellcheck shell=sh
# list_mode ARGS: the list mode, the second run of a quick scan (ARGS after JOBS NICE).
# Joined into scan.sh where it reads this file (scanner/script.ts): its code runs there, on the
# script's arguments and variables.

list_mode() {
	# The second run of a quick scan, for the entries that changed since the last full scan: hash
	# files, read content, and read the attributes beyond stat(2) and device numbers, each of the
	# paths listed. Arguments: NHASH PATH... NCONTENT (LIMIT PATH)... NATTR PATH... NFLAGS PATH...
	# NDEV PATH...
	# take N "$@": the first N arguments, NUL-terminated.
	take() {
		n=$1
		shift
		i=0
		for f; do
			[ "$i" -lt "$n" ] || break
			i=$((i + 1))
			printf '%s\0' "$f"
		done
	}
	number "${1:-}"
	nh=$1
	shift
	[ "$nh" = 0 ] || [ -n "$hasher" ] || fail 65 "no working sha256 tool on this host (openssl or sha256sum; tools that failed their check:${broken:- none})"
	# With perl, the workers report the files they cannot hash; without it, each file is hashed
	# alone so that its error can be told (a list run holds only the files that changed).
	if [ "$perlhash" = yes ]; then
		printf 'H\0'
		i=0
		for f; do
			[ "$i" -lt "$nh" ] || break
			i=$((i + 1))
			case $f in *"$nl"*) continue ;; esac
			[ ${#f} -gt 3900 ] && continue
			printf '%s\0' "$f"
		done | hash_files
		printf '\0'
	fi
	i=0
	for f; do
		[ "$i" -lt "$nh" ] || break
		i=$((i + 1))
		if [ "$perlhash" = yes ] && [ ${#f} -le 3900 ]; then case $f in *"$nl"*) ;; *) continue ;; esac; fi
		printf '%s\0' "$f"
	done | xargs -0 -r sh -c "$hashone" sh "$hasher"
	shift "$nh"
	number "${1:-}"
	nc=$1
	shift
	i=0
	while [ "$i" -lt "$nc" ]; do
		number "$1"
		# An od that failed its check is not used (fact od): the console then keeps no content.
		[ "$odok" = yes ] && sh -c "$contentone" sh "$1" "$2"
		shift 2
		i=$((i + 1))
	done
	number "${1:-}"
	na=$1
	shift
	if [ "$na" -gt 0 ]; then
		if [ "$perlattrs" = yes ]; then
			take "$na" "$@" | perl -e "$attrhelper" paths x
		elif have getfattr; then
			take "$na" "$@" | xargs -0 -r sh -c "$xattrbatch" sh
		else
			have getfacl && take "$na" "$@" | xargs -0 -r sh -c "$aclbatch" sh
			have getcap && take "$na" "$@" | xargs -0 -r sh -c "$capsbatch" sh
		fi
	fi
	shift "$na"
	number "${1:-}"
	nf=$1
	shift
	if [ "$nf" -gt 0 ]; then
		if [ "$perlattrs" = yes ]; then
			take "$nf" "$@" | perl -e "$attrhelper" paths f
		elif have lsattr; then
			take "$nf" "$@" | xargs -0 -r sh -c "$lsattrbatch" sh
		fi
	fi
	shift "$nf"
	number "${1:-}"
	nd=$1
	shift
	[ "$nd" -gt 0 ] && take "$nd" "$@" | xargs -0 -r sh -c "$devbatch" sh 2>/dev/null
	printf 'Z\0'
	exit 0
}
