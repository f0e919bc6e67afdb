# shellcheck shell=sh
# attr_check PATH RECORD: perl's attribute reader against the host's own tools, on one path, RECORD
# being perl's record of it (K PATH FLAGS XATTRS, its fields joined by |, as the pre-flight's probe
# read it). Sets attrcheck to yes when they agree; to "disagree: WHAT" (flags, xattrs or both;
# "no record" when perl gave none) when they do not, and then perlattrs to no: the tools read the
# attributes on this host. Without lsattr and getfattr, or without xargs to take perl's record
# apart, it leaves both.
# Flags: every letter perl gives, lsattr -d gives too, and every letter lsattr gives but layout
# letters (e I N h, which perl leaves out), perl gives too; both or neither must have read them.
# Extended attributes: as many as getfattr lists, and each of getfattr's values among perl's.
# Joined into preflight.sh where it reads this file (scanner/script.ts).
attr_check() {
	have lsattr || have getfattr || return 0
	[ "$xargsok" = 1 ] || return 0
	# No field of this path's record holds a |.
	pk=$2
	case $pk in
	"K|$1|"*)
		pk=${pk#"K|$1|"}
		pflags=${pk%%|*}
		pxattrs=${pk#*|}
		pxattrs=${pxattrs%|}
		;;
	*)
		attrcheck="disagree: no record" perlattrs=no
		return 0
		;;
	esac
	fbad='' xbad=''
	if have lsattr; then
		lflags=$(lsattr -d "$1" 2>/dev/null) || lflags=
		lflags=${lflags%% *}
		if [ "$pflags" = '?' ] || [ -z "$lflags" ]; then
			if [ "$pflags" != '?' ] || [ -n "$lflags" ]; then fbad=1; fi
		else
			rest=${pflags#-}
			while [ -n "$rest" ]; do
				c=${rest%"${rest#?}"}
				rest=${rest#?}
				case $lflags in *"$c"*) ;; *) fbad=1 ;; esac
			done
			rest=$lflags
			while [ -n "$rest" ]; do
				c=${rest%"${rest#?}"}
				rest=${rest#?}
				case $c in - | e | I | N | h) continue ;; esac
				case $pflags in *"$c"*) ;; *) fbad=1 ;; esac
			done
		fi
	fi
	if have getfattr; then
		# Lines NAME=0xVALUE; perl's pairs are HEXNAME=HEXVALUE, space-separated.
		rest=$(getfattr -h -d -m - -e hex --absolute-names "$1" 2>/dev/null)$nl
		n=0
		while [ -n "$rest" ]; do
			l=${rest%%"$nl"*}
			rest=${rest#*"$nl"}
			case $l in
			*=0x*)
				n=$((n + 1))
				v=${l#*=0x}
				case " $pxattrs " in *"=$v "*) ;; *) xbad=1 ;; esac
				;;
			esac
		done
		rest=$pxattrs m=0
		while [ -n "$rest" ]; do
			m=$((m + 1))
			case $rest in *" "*) rest=${rest#* } ;; *) rest= ;; esac
		done
		[ "$n" = "$m" ] || xbad=1
	fi
	case $fbad$xbad in
	'') attrcheck=yes ;;
	11) attrcheck="disagree: flags xattrs" perlattrs=no ;;
	*) if [ -n "$fbad" ]; then attrcheck="disagree: flags" perlattrs=no; else attrcheck="disagree: xattrs" perlattrs=no; fi ;;
	esac
}
