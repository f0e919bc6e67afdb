# shellcheck shell=sh
# Hashes names one at a time (those a hash line cannot carry: a newline, or longer than 3,900
# bytes). Arguments: HASHER NAME..., HASHER the hasher's command words in one argument.
# Per name: N PATH SHA256, or F PATH REASON when the file cannot be hashed (gone, no longer a
# regular file, not readable); nothing when the hasher failed three times on a file it could read
# (a file replaced under it is asked again).
hasher=$1
shift
for f; do
	n=0 r=
	while [ $n -lt 3 ]; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # HASHER is several words (openssl dgst -sha256 -r)
		if h=$($hasher <"$f" 2>/dev/null); then
			case ${h%% *} in ????????????????????????????????????????????????????????????????) printf "N\0%s\0%s\0" "$f" "${h%% *}"; r=; break ;; esac
		fi
		if [ ! -e "$f" ] && [ ! -h "$f" ]; then r="No such file or directory"
		elif [ -h "$f" ] || [ ! -f "$f" ]; then r="no longer a regular file"
		elif [ ! -r "$f" ]; then r="Permission denied"
		else r=; continue; fi
		break
	done
	[ -z "$r" ] || printf "F\0%s\0%s\0" "$f" "$r"
done
