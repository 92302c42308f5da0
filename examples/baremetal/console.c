/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, console: guest PL011 and virtio-console output line-buffered per VM with its name
 * as prefix; board UART input to the focused VM (Ctrl-] n switches): to its virtio-console
 * once the guest's driver is ready, otherwise to its PL011.
 */
#include "bm_internal.h"

/* ---------------------------------------------------------------------------------------
 * Console: guest output with the VM's name, input to the focused VM
 */

static struct port_spinlock out_lock;
static struct bm_vm *out_open;     /* VM whose partial line is on the console */
unsigned focus;             /* VM receiving console input */
static bool escape;

/* Print @len bytes of @vm's output; @eol: they end a line. Takes out_lock. */
static void console_emit(struct bm_vm *vm, const char *s, size_t len, bool eol)
{
	struct port_iov iov[5];
	unsigned n = 0;

	port_spin_lock(&out_lock);
	if (out_open && out_open != vm)
		iov[n++] = (struct port_iov){ "\r\n", 2 };
	if (out_open != vm) {
		iov[n++] = (struct port_iov){ vm->desc->name, strlen(vm->desc->name) };
		iov[n++] = (struct port_iov){ ": ", 2 };
	}
	iov[n++] = (struct port_iov){ s, len };
	if (eol)
		iov[n++] = (struct port_iov){ "\r\n", 2 };
	port_writev(iov, n);
	out_open = eol ? NULL : vm;
	port_spin_unlock(&out_lock);
}

/* Bytes of @b[0 .. n) before the first '\n' or '\r' (eight at a time where aligned; not
 * inlined, so that its constants stay in registers). */
__attribute__((noinline)) static size_t run_len(const char *b, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;

	for (; i < n && ((uintptr_t)(b + i) & 7); i++)
		if (b[i] == '\n' || b[i] == '\r')
			return i;
	for (; i + 8 <= n; i += 8) {
		uint64_t v = *(const uint64_t *)(const void *)(b + i);
		uint64_t nl = v ^ (ones * '\n'), cr = v ^ (ones * '\r');

		if ((((nl - ones) & ~nl) | ((cr - ones) & ~cr)) & highs)
			break; /* a byte of this word is one of them */
	}
	for (; i < n; i++)
		if (b[i] == '\n' || b[i] == '\r')
			return i;
	return n;
}

/* Append @n bytes to @vm's line buffer, printing it as a partial line whenever it fills
 * (what would fill it at once is printed from @b without the copy). */
static void line_add(struct bm_vm *vm, char *line, unsigned *len, const char *b, size_t n)
{
	while (n) {
		size_t k = BM_LINE_MAX - *len < n ? BM_LINE_MAX - *len : n;

		if (!*len && n >= BM_LINE_MAX) {
			k = n - n % BM_LINE_MAX;
			console_emit(vm, b, k, false);
			b += k;
			n -= k;
			continue;
		}

		memcpy(line + *len, b, k);
		*len += (unsigned)k;
		b += k;
		n -= k;
		if (*len == BM_LINE_MAX) {
			console_emit(vm, line, *len, false);
			*len = 0;
		}
	}
}

/*
 * @n bytes of @vm's output, printed a line at a time; a line not finished yet waits in the
 * line buffer @line (@len bytes held). '\r' is dropped. Called under the lock of the device
 * that owns the buffer.
 */
void console_out(struct bm_vm *vm, char *line, unsigned *len, const void *buf, size_t n)
{
	const char *b = buf;

	while (n) {
		size_t run = run_len(b, n);

		if (run < n && b[run] == '\n' && !*len) {
			console_emit(vm, b, run, true); /* a whole line: straight from @buf */
		} else {
			line_add(vm, line, len, b, run);
			if (run < n && b[run] == '\n') {
				console_emit(vm, line, *len, true);
				*len = 0;
			}
		}
		if (run < n)
			run++; /* the '\n' or '\r' */
		b += run;
		n -= run;
	}
}

/* Print the partial line held in @line (a prompt), under the lock that owns it. */
void console_out_partial(struct bm_vm *vm, char *line, unsigned *len)
{
	if (*len) {
		console_emit(vm, line, *len, false);
		*len = 0;
	}
}

/* Called under the VM's UART lock. */
int uart_tx(void *cookie, uint8_t byte)
{
	struct bm_vm *vm = cookie;

	if (byte != '\n' && byte != '\r' && vm->line_len < BM_LINE_MAX - 1)
		vm->line[vm->line_len++] = (char)byte; /* the common case, a byte at a time */
	else
		console_out(vm, vm->line, &vm->line_len, &byte, 1);
	return 0;
}

/* The VM went idle: show a partial line (a shell prompt, an echoed key). */
void console_flush_partial(struct bm_vm *vm)
{
	bm_virtio_console_flush_partial(vm);
	if (!(vm->desc->devices & BM_DEV_PL011) || !vm->line_len)
		return;
	port_spin_lock(&vm->uart_lock.lock);
	console_out_partial(vm, vm->line, &vm->line_len);
	port_spin_unlock(&vm->uart_lock.lock);
}

void uart_set_irq(void *cookie, bool level)
{
	struct bm_vm *vm = cookie;

	av_vgic_set_level(&vm->vgic, 0, BM_UART_INTID, level, NULL);
}

/* A VM that can take console input: a PL011 or a virtio-console. */
bool console_has_input(const struct bm_vm *vm)
{
	return vm->started && ((vm->desc->devices & BM_DEV_PL011) || vm->vio.con_slot >= 0);
}

static void console_rx_byte(uint8_t c)
{
	struct bm_vm *vm;

	if (escape) {
		escape = false;
		if (c == 'n' || c == 'N') {
			for (unsigned i = 1; i <= nr_vms; i++) {
				unsigned next = (focus + i) % nr_vms;

				if (console_has_input(&vms[next])) {
					focus = next;
					break;
				}
			}
			port_printf("\n[armvirt-bm: console input -> %s]\n", vms[focus].desc->name);
			port_write32(plat->uart_base + UART_IMSC, UART_INT_RX | UART_INT_RT);
			return;
		}
		if (c == '?' || c == 'h') {
			port_printf("\n[armvirt-bm: Ctrl-] n: next VM, Ctrl-] Ctrl-]: send Ctrl-]; "
				    "input -> %s]\n", vms[focus].desc->name);
			return;
		}
		if (c != BM_ESCAPE)
			return;
	} else if (c == BM_ESCAPE) {
		escape = true;
		return;
	}
	if (focus >= nr_vms)
		return;
	vm = &vms[focus];
	if (vm->stopping || !console_has_input(vm))
		return;
	if (bm_virtio_console_live(vm)) {
		bm_virtio_console_input(vm, c);
		return;
	}
	if (!(vm->desc->devices & BM_DEV_PL011))
		return;
	port_spin_lock(&vm->uart_lock.lock);
	if (av_pl011_rx_push(&vm->uart, &c, 1) == 0)
		av_pl011_rx_overrun(&vm->uart);
	port_spin_unlock(&vm->uart_lock.lock);
}

/* Room in the focused VM's receive FIFO (0 when nothing can be taken now). */
static size_t console_rx_room(void)
{
	struct bm_vm *vm = focus < nr_vms ? &vms[focus] : NULL;
	size_t room;

	if (!vm || vm->stopping || !console_has_input(vm))
		return SIZE_MAX; /* nobody listens: read and drop */
	if (bm_virtio_console_live(vm))
		return bm_virtio_console_room(vm);
	if (!(vm->desc->devices & BM_DEV_PL011))
		return SIZE_MAX;
	port_spin_lock(&vm->uart_lock.lock);
	room = av_pl011_rx_space(&vm->uart);
	port_spin_unlock(&vm->uart_lock.lock);
	return room;
}

/*
 * The board UART received something. Bytes move to the focused VM only while its FIFO has
 * room; otherwise the receive interrupt is masked and the rest waits in the board UART
 * (QEMU then stops reading its input) until the guest reads (uart_rx_space()).
 */
void console_rx_irq(void)
{
	uint64_t u = plat->uart_base;

	while (!(port_read32(u + UART_FR) & UART_FR_RXFE)) {
		if (!escape && console_rx_room() == 0) {
			/* Leave the raw status set: unmasking raises the interrupt again. */
			port_write32(u + UART_IMSC, 0);
			return;
		}
		console_rx_byte((uint8_t)port_read32(u + UART_DR));
	}
	port_write32(u + UART_ICR, UART_INT_RX | UART_INT_RT);
}

/* The guest read from a full receive FIFO: let the board UART interrupt again. */
void uart_rx_space(void *cookie)
{
	struct bm_vm *vm = cookie;

	if (focus < nr_vms && &vms[focus] == vm)
		port_write32(plat->uart_base + UART_IMSC, UART_INT_RX | UART_INT_RT);
}
