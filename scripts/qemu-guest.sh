#!/bin/sh
# qemu-guest.sh FLAVOUR PROGRAM: build the guests and run one on QEMU 7.2, the
# behavioural reference of the differential tests (crates/vmgdb/tests/differential.rs).
#   scripts/qemu-guest.sh e500v2 tlb
#   scripts/qemu-guest.sh e500mc float > /tmp/float.out
# Extra arguments go to QEMU (e.g. -d int -D /tmp/qemu.log).
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 e500v2|e500mc PROGRAM [qemu options...]" >&2
	exit 2
fi
flavour=$1 program=$2
shift 2
case $flavour in
e500v2) cpu=e500v2_v30 ;; # QEMU's plain "e500v2" is the older v2.2 core
e500mc) cpu=e500mc ;;
*) echo "unknown flavour $flavour" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$root/guests" "$flavour"
exec qemu-system-ppc -M ppce500 -cpu "$cpu" -nographic -nic none -monitor none \
	-serial stdio -kernel "$root/guests/build/$flavour/$program.elf" "$@"
