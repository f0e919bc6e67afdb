# shellcheck shell=sh
# The walks of the scan mode: metadata (pass 1), the other per-entry actions (pass 2), the hash
# list (pass 3), and the owner and group names.
# Joined into scan.sh where it reads this file (scanner/script.ts): its code runs there, on the
# script's arguments and variables.

exists() { [ -e "$root" ] || [ -h "$root" ]; }
gnufind=0
[ "$findf" = gnu ] || [ "$findf" = gnu-printf ] && gnufind=1
# Directories that cannot be read are not entered (where find can tell).
skipdirs=
[ -n "$readable" ] && skipdirs="-type d ! -readable -prune -o"

# Pass 1: metadata of every selected entry.
fmt='%p\000%y\000%m\000%U\000%G\000%s\000%T@\000%C@\000%i\000%n\000%l\000'
# begin_walk: the T record of the target; false when its root is missing (nothing to walk).
begin_walk() {
	if ! exists; then
		printf 'T\0%s\0missing\0' "$idx"
		return 1
	fi
	printf 'T\0%s\0ok\0' "$idx"
}
# meta_expr: sets `mexpr`, the find words after a target's selection that print its E records
# with -printf: E IDX, fmt's eleven fields and the error, fourteen NUL-terminated fields.
# Unreadable directories are recorded with their error and not entered; unreadable files with
# theirs; the rest only when they pass the include filter (the root always does).
meta_expr() {
	rec="E\\000$idx\\000$fmt"
	mexpr="-type d ! -readable -printf '${rec}Permission denied (directory not listable)\\000' -prune -o \
		$inc -type f ! -readable -printf '${rec}Permission denied\\000' -o \
		$inc -printf '${rec}\\000'"
}
# end_walk STATUS: the W record that closes the selected target's walk, with find's exit status
# (the console fails a walk that exited non-zero and recorded nothing).
end_walk() { printf 'W\0%s\0%s\0' "$idx" "$1"; }
meta_walk() {
	begin_walk || return 0
	if [ "$meta" = printf ]; then
		meta_expr
		eval "$sel $mexpr" 2>/dev/null
	else
		if [ "$gnufind" = 1 ]; then
			eval "$sel $inc -exec sh -c \"\$statbatch\" sh \"\$idx\" {} +" 2>/dev/null
		else
			# BusyBox find's -exec ... + can exceed the argument limit with long names: xargs does not.
			eval "$sel $inc -print0" 2>/dev/null | xargs -0 -r sh -c "$statbatch" sh "$idx" 2>/dev/null
		fi
	fi
	end_walk $?
}

# Pass 2: everything else one walk can do: device numbers (-printf path), hashes of names a hash
# line cannot carry, content, and the attributes beyond stat(2) where the host has the tool. GNU
# find runs every action in one walk; BusyBox find runs -exec ... + only outside parentheses, so
# there each action walks on its own.
# action COND HANDLER [ARG]: run the sh -c script in variable HANDLER on batches of the entries
# that pass COND (empty: all), with ARG before the names. GNU find gathers every action into one
# walk (extra_walk evals it, where the positional parameters are the script's); other finds run
# -exec ... + only outside parentheses and may overflow the argument limit with it, so each
# action walks on its own and feeds xargs.
action() {
	if [ "$gnufind" = 1 ]; then
		x="-exec sh -c \"\$$2\" sh ${3:+\"\$$3\"} {} +"
		if [ -n "$1" ]; then actions="$actions \\( ! \\( $1 \\) -o $x \\)"; else actions="$actions \\( $x \\)"; fi
	else
		nact=$((nact + 1))
		eval "actc$nact=\$1 acth$nact=\$2 acta$nact=\${3:-}"
	fi
}
# add_actions: every per-entry action beyond the metadata, in turn to action().
add_actions() {
	[ "$meta" = printf ] && action '-type b -o -type c' devbatch
	if [ "$hash" = 1 ]; then
		# -readable last: it costs a system call, the other tests do not.
		action "-type f \\( $longtest -o -path \"*\$nl*\" \\) $readable" hashone hasher
		[ "$content" -gt 0 ] && [ "$odok" = yes ] && action "-type f -size -$((content + 1))c $readable" contentone content
	fi
	# perl reads them all where it can: one_walk hands it the entries, extra_walk walks for it.
	[ "$perlattrs" = yes ] && return 0
	if have getfattr; then
		# xattrs, and also selinux, acl and caps: they are extended attributes too.
		action '' xattrbatch
	else
		have getfacl && action '! -type l' aclbatch
		have getcap && action '-type f' capsbatch
	fi
	if have lsattr; then
		# lsattr's own output for names without a newline; exact batches for the others.
		action "\\( -type f -o -type d \\) ! -path \"*\$nl*\"" flagsbatch
		action "\\( -type f -o -type d \\) -path \"*\$nl*\"" lsattrbatch
	fi
	return 0
}
extra_walk() {
	exists || return 0
	actions=
	nact=0
	add_actions
	[ -n "$actions" ] && eval "$sel $skipdirs $inc $actions" 2>/dev/null
	[ "$perlattrs" = yes ] && eval "$sel $skipdirs $inc -print0" 2>/dev/null | perl -e "$attrhelper" paths b
	k=1
	# shellcheck disable=SC2154 # c, h and a are set by eval
	while [ "$k" -le "$nact" ]; do
		eval "c=\$actc$k h=\$acth$k a=\$acta$k"
		if [ -n "$c" ]; then c="\\( $c \\)"; fi
		eval "h=\$$h"
		if [ -n "$a" ]; then
			eval "a=\$$a"
			eval "$sel $skipdirs $inc $c -print0" 2>/dev/null | xargs -0 -r sh -c "$h" sh "$a" 2>/dev/null
		else
			eval "$sel $skipdirs $inc $c -print0" 2>/dev/null | xargs -0 -r sh -c "$h" sh 2>/dev/null
		fi
		k=$((k + 1))
	done
	return 0
}
# A full scan where GNU find can do it all (walks=one): one walk per target prints the metadata
# (as meta_walk), writes the files to hash to descriptor 4 (-fprint0: the hash workers' pipe) and
# runs the other actions (add_actions), each in batches. find flushes its own output before it
# runs a batch, so records never interleave.
one_walk() {
	begin_walk || return 0
	actions=
	add_actions
	rec="E\\000$idx\\000$fmt"
	# perl's list of entries (descriptor 5), where it reads the attributes.
	[ "$perlattrs" = yes ] && actions="$actions -fprintf /dev/fd/5 'b%y%p\\000'"
	eval "$sel \
		-type d ! -readable -printf '${rec}Permission denied (directory not listable)\\000' -prune -o \
		$inc \\( -type f \\( -readable -printf '${rec}\\000' \\( ! \\( $longtest \\) ! -path \"*\$nl*\" -fprint0 /dev/fd/4 -o -true \\) \
			-o -printf '${rec}Permission denied\\000' \\) -o -printf '${rec}\\000' \\) \
		$actions" 2>/dev/null
	end_walk $?
}
hash_list() {
	exists || return 0
	eval "$sel $skipdirs $inc -type f $readable ! \\( $longtest \\) ! -path \"*\$nl*\" -print0" 2>/dev/null
}

# Owner and group names: the databases once, rather than one lookup per entry.
names() {
	printf 'U\0'
	# getent prints C strings: only a file may hold a NUL.
	getent passwd 2>/dev/null || tr -d '\000' </etc/passwd 2>/dev/null
	printf '\0G\0'
	getent group 2>/dev/null || tr -d '\000' </etc/group 2>/dev/null
	printf '\0'
}
