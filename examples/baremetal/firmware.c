/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, firmware boot (doc/baremetal.md, "Firmware"): a VM whose description names a
 * firmware image (bm_vm_desc::firmware) gets QEMU virt's two CFI flash banks.
 *
 *   bank 0  IPA 0x0000_0000  the firmware file QEMU's loader put into board RAM: reserved
 *                            before any RAM is carved, read-only (program and erase are
 *                            refused by the model, stage 2 never grants write access)
 *   bank 1  IPA 0x0400_0000  the variable store: a block of the hypervisor's RAM, erased
 *                            (all ones) once when the hypervisor starts
 *
 * Each bank is an av_cfi_flash model on the VM's bus, behind its own lock. In read-array
 * mode the bank's memory is mapped in stage 2 (read and execute, 2 MiB blocks): fetches
 * and reads cost no exit, writes fault (permission) and reach the model as MMIO. A
 * command that leaves read-array mode makes the model call set_rom_mode(false): the
 * mapping loses every permission (av_s2_protect(): break-before-make, TLB invalidation by
 * IPA and of the VM's combined entries), so the next reads trap too and see the query
 * table, the identifier or the status; Read Array gives the access back. The tables stay
 * (nothing is allocated or freed after start-up).
 */
#include "bm_internal.h"

#define FW_ALIGN SZ_2M
#define FW_BANK_MAX AV_VIRT_FLASH_BANK_SIZE

static unsigned fw_resv[BM_MAX_VMS];      /* the code bank's entry in the reserved table */
static const char *fw_error[BM_MAX_VMS];  /* why the code bank cannot be used, or NULL */
static unsigned init_resv[BM_MAX_VMS];    /* the same for the variable bank's start */
static const char *init_error[BM_MAX_VMS];

/* The VM boots a firmware image (from its code bank). */
static bool has_firmware(const struct bm_vm_desc *d)
{
	return d->firmware.addr || d->firmware.size;
}

/* The VM has flash: a firmware image, or only a variable bank (a kernel boots). */
static bool has_flash(const struct bm_vm_desc *d)
{
	return has_firmware(d) || d->firmware.vars_size || d->firmware.vars_init_addr ||
	       d->firmware.vars_init_size;
}

/* Reserve every described firmware image (hyp_main(), beside the disks, before any guest
 * RAM is carved). */
void bm_firmware_reserve(void)
{
	for (unsigned i = 0; i < bm_nr_vms && i < BM_MAX_VMS; i++) {
		const struct bm_firmware *f = &bm_vms[i].firmware;

		fw_resv[i] = init_resv[i] = BM_NO_RESV;
		if (!has_firmware(&bm_vms[i]))
			;
		else if (f->size > FW_BANK_MAX)
			fw_error[i] = "the code bank is larger than 64 MiB";
		else
			fw_error[i] = reserve_loaded(f->addr, f->size, FW_ALIGN, &fw_resv[i]);
		if (f->vars_init_addr || f->vars_init_size)
			init_error[i] = reserve_loaded(f->vars_init_addr, f->vars_init_size, 0x1000,
						       &init_resv[i]);
	}
}

static int refuse(struct bm_vm *vm, const char *why)
{
	port_printf("armvirt-bm: %s: not started: firmware: %s\n", vm->desc->name, why);
	vm->refused = true;
	return -AV_EINVAL;
}

/* The firmware image the VM boots: loaded, reserved, no kernel beside it (0: usable). */
static int check_firmware(struct bm_vm *vm)
{
	const struct bm_vm_desc *d = vm->desc;
	const struct bm_firmware *f = &d->firmware;

	if (d->kernel.kind != BM_PAYLOAD_NONE || d->initrd.kind != BM_PAYLOAD_NONE)
		return refuse(vm, "a VM boots a kernel or a firmware image, not both");
	if (fw_error[vm->index])
		return refuse(vm, fw_error[vm->index]);
	if (fw_resv[vm->index] == BM_NO_RESV)
		return refuse(vm, "not reserved");
	if (!region_loaded(f->addr, f->size)) {
		port_printf("armvirt-bm: %s: not started: firmware: nothing loaded at %#llx "
			    "(-device loader,file=FW,addr=%#llx,force-raw=on)\n", d->name,
			    (unsigned long long)f->addr, (unsigned long long)f->addr);
		vm->refused = true;
		return -AV_ENOENT;
	}
	return 0;
}

/*
 * The flash banks of the VM's description (before av_vmspec_validate()): QEMU virt's two
 * banks at their addresses, with this VM's sizes, or the variable bank alone for a VM that
 * boots a kernel; the variable bank carved and erased.
 */
int bm_firmware_spec(struct bm_vm *vm)
{
	const struct bm_vm_desc *d = vm->desc;
	const struct bm_firmware *f = &d->firmware;
	uint64_t vars = f->vars_size ? f->vars_size : BM_FW_VARS_DEFAULT, vars_pa;
	int rc;

	if (!has_flash(d))
		return 0;
	vm->fw.boot = has_firmware(d);
	if (vm->fw.boot && (rc = check_firmware(vm)) != 0)
		return rc;
	if ((vars & (FW_ALIGN - 1)) || vars > FW_BANK_MAX)
		return refuse(vm, "the variable bank must be a multiple of 2 MiB up to 64 MiB");
	if (init_error[vm->index])
		return refuse(vm, init_error[vm->index]);
	if (f->vars_init_size > vars)
		return refuse(vm, "the variable bank's initial content is larger than the bank");
	vars_pa = carve_ram(vars);
	if (!vars_pa) {
		port_printf("armvirt-bm: %s: not started: firmware: no %llu MiB of free RAM for "
			    "the variable bank\n", d->name, (unsigned long long)(vars >> 20));
		vm->refused = true;
		return -AV_ENOMEM;
	}
	/* Erased flash reads all ones; the guest may run with its caches off. */
	memset((void *)(uintptr_t)vars_pa, 0xff, (size_t)vars);
	if (f->vars_init_size)
		memcpy((void *)(uintptr_t)vars_pa, (const void *)(uintptr_t)f->vars_init_addr,
		       (size_t)f->vars_init_size);
	av_arch_dcache_clean_poc((void *)(uintptr_t)vars_pa, (size_t)vars);
	av_arch_dcache_clean_poc((void *)(uintptr_t)f->addr, (size_t)f->size);

	rc = av_vmspec_virt_flash(&vm->spec);
	if (rc)
		return rc;
	vm->spec.flash.banks[0].size = f->size;
	vm->spec.flash.banks[1].size = vars;
	vm->fw.on = true;
	vm->fw.bank[0] = (struct bm_flash_bank){ .vm = vm, .ipa = vm->spec.flash.banks[0].base,
						 .pa = f->addr, .size = f->size };
	vm->fw.bank[1] = (struct bm_flash_bank){ .vm = vm, .ipa = vm->spec.flash.banks[1].base,
						 .pa = vars_pa, .size = vars };
	if (vm->fw.boot)
		port_printf("armvirt-bm: %s: firmware: code bank %llu MiB at IPA %#llx from PA "
			    "%#llx (read-only), ", d->name, (unsigned long long)(f->size >> 20),
			    (unsigned long long)vm->fw.bank[0].ipa, (unsigned long long)f->addr);
	else
		port_printf("armvirt-bm: %s: flash: ", d->name);
	port_printf("variable bank %llu MiB at IPA %#llx (PA %#llx, %s)\n",
		    (unsigned long long)(vars >> 20), (unsigned long long)vm->fw.bank[1].ipa,
		    (unsigned long long)vars_pa,
		    f->vars_init_size ? "initial content loaded" : "erased");
	if (!vm->fw.boot) {
		/* The variable bank alone: the description's only bank. */
		vm->spec.flash.banks[0] = vm->spec.flash.banks[1];
		vm->spec.flash.nr_banks = 1;
	}
	return 0;
}

/* Read-array mode: read and execute; otherwise no access (every access traps). */
static uint32_t bank_prot(bool rom)
{
	return rom ? AV_S2_R | AV_S2_X : 0;
}

/* Both banks in stage 2, in read-array mode (setup_stage2()); their PA ranges are the VM's. */
int bm_firmware_map(struct bm_vm *vm, struct av_memcache *mc, struct av_s2_pa_range *owned,
		    size_t *n)
{
	int rc = 0;

	if (!vm->fw.on)
		return 0;
	for (unsigned i = 0; i < 2 && !rc; i++) {
		struct bm_flash_bank *b = &vm->fw.bank[i];

		if (!b->size)
			continue; /* no code bank: a VM with the variable bank alone */
		rc = av_s2_map(&vm->s2, b->ipa, b->size, b->pa, bank_prot(true), 0, mc, NULL);
		owned[(*n)++] = (struct av_s2_pa_range){ b->pa, b->size };
	}
	return rc;
}

/*
 * The model entered (@rom) or left read-array mode: give the guest the bank's memory back,
 * or take every access away. Called under the bank's lock; the two banks of a VM share the
 * stage-2 table, hence its lock. Whole 2 MiB blocks change: no table is split, no memory
 * is needed (an empty memcache).
 */
static void bank_set_rom(void *cookie, bool rom)
{
	struct bm_flash_bank *b = cookie;
	struct bm_vm *vm = b->vm;
	struct av_memcache none;
	void *slot[1];
	int rc;

	av_memcache_init(&none, slot, 0);
	port_spin_lock(&vm->fw.s2_lock);
	rc = av_s2_protect(&vm->s2, b->ipa, b->size, bank_prot(rom), &none, NULL);
	port_spin_unlock(&vm->fw.s2_lock);
	if (rom)
		b->rom_on++;
	else
		b->rom_off++;
	if (rc && !b->s2_error) {
		b->s2_error = rc;
		port_printf("armvirt-bm: %s: flash bank at %#llx: stage 2: %s (logged once)\n",
			    vm->desc->name, (unsigned long long)b->ipa, av_strerror(rc));
	}
}

/* Program or erase changed the variable bank: visible to a guest running uncached. */
static void bank_changed(void *cookie, uint64_t offset, uint64_t len)
{
	struct bm_flash_bank *b = cookie;

	if (offset < b->size && len <= b->size - offset)
		av_arch_dcache_clean_poc((void *)(uintptr_t)(b->pa + offset), (size_t)len);
}

/* Both flash models on the VM's bus (setup_bus(), after stage 2 is built). */
int bm_firmware_bus(struct bm_vm *vm, struct av_error *err)
{
	static const char *const names[2] = { "flash0", "flash1" };
	int rc = 0;

	if (!vm->fw.on)
		return 0;
	for (unsigned i = 0; i < 2 && !rc; i++) {
		struct bm_flash_bank *b = &vm->fw.bank[i];
		struct av_cfi_flash_config cfg;

		if (!b->size)
			continue;
		av_cfi_flash_virt_config(&cfg, i, (uint8_t *)(uintptr_t)b->pa, b->size);
		cfg.set_rom_mode = bank_set_rom;
		cfg.changed = bank_changed;
		cfg.cookie = b;
		rc = av_cfi_flash_init(&b->cfi, &cfg);
		if (!rc)
			rc = av_cfi_flash_mmio_dev(&b->cfi, b->ipa, &b->dev);
		if (rc)
			break;
		/* The model's device, its accesses serialised by the bank's lock. */
		b->locked.ops = &av_cfi_flash_mmio_ops;
		b->locked.inner = &b->cfi;
		b->dev.ops = &bm_locked_ops;
		b->dev.dev = &b->locked;
		b->dev.name = names[i];
		rc = av_mmio_register(&vm->bus, &b->dev, err);
	}
	return rc;
}

void bm_firmware_stats(struct bm_vm *vm)
{
	if (!vm->fw.on)
		return;
	for (unsigned i = 0; i < 2; i++) {
		const struct bm_flash_bank *b = &vm->fw.bank[i];

		if (!b->size)
			continue;
		port_printf("%s: flash%u: %llu programs, %llu erases, %llu refused, read-array "
			    "mode left %llu times, entered %llu times\n", vm->desc->name, i,
			    (unsigned long long)b->cfi.programs, (unsigned long long)b->cfi.erases,
			    (unsigned long long)b->cfi.refused, (unsigned long long)b->rom_off,
			    (unsigned long long)b->rom_on);
	}
}
