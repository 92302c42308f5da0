/* SPDX-License-Identifier: MIT */
/* The smallest program on the qemu-virt port: report what the board offers, then exit 0. */
#include <armvirt/types.h>

#include "port.h"

int hyp_main(const struct port_platform *p)
{
	port_printf("armvirt: EL2 up, DTB at %p\n", p->dtb);
	port_printf("armvirt: RAM %#llx+%#llx, image %#llx-%#llx\n", (unsigned long long)p->ram_base,
		    (unsigned long long)p->ram_size, (unsigned long long)p->image_start,
		    (unsigned long long)p->image_end);
	port_printf("armvirt: %u CPU(s), GICv%u (GICD %#llx), UART %#llx, PSCI via %s\n", p->ncpus,
		    p->gic_version, (unsigned long long)p->gicd_base, (unsigned long long)p->uart_base,
		    p->psci_smc ? "smc" : "hvc");
	if (!p->ram_size || !p->gic_version || !p->ncpus)
		return 1;
	port_puts("PASS minimal\n");
	return 0;
}
