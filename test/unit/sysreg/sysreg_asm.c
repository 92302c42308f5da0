/* SPDX-License-Identifier: MIT */
/*
 * The system-register name table checked against the cross assembler.
 *
 *   sysreg_asm list               print every name in the table, one per line
 *   sysreg_asm check NAMES WORDS  NAMES: names, one per line; WORDS: the little-endian
 *                                 MRS/MSR (register) instructions the assembler produced for
 *                                 them, in the same order. Each word's op0/op1/CRn/CRm/op2 must
 *                                 equal the key the table gives for the name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/bits.h>
#include <armvirt/sysreg.h>

/* MRS/MSR (register) instruction fields (Arm ARM C6.2 "MRS", "MSR (register)"). */
#define INSN_SYSREG_FIXED AV_GENMASK(31, 22) /* 0b1101010100 */
#define INSN_SYSREG_L     AV_GENMASK(21, 21) /* 1 = MRS */
#define INSN_SYSREG_OP0   AV_GENMASK(20, 19)
#define INSN_SYSREG_OP1   AV_GENMASK(18, 16)
#define INSN_SYSREG_CRN   AV_GENMASK(15, 12)
#define INSN_SYSREG_CRM   AV_GENMASK(11, 8)
#define INSN_SYSREG_OP2   AV_GENMASK(7, 5)

static int list(void)
{
	size_t n;
	const struct av_sysreg_name *t = av_sysreg_name_table(&n);

	for (size_t i = 0; i < n; i++)
		printf("%s\n", t[i].name);
	return 0;
}

static int check(const char *names_path, const char *words_path)
{
	FILE *fn = fopen(names_path, "r");
	FILE *fw = fopen(words_path, "rb");
	char name[128];
	unsigned checked = 0, bad = 0;

	if (!fn || !fw) {
		fprintf(stderr, "sysreg_asm: cannot open inputs\n");
		return 2;
	}
	while (fgets(name, sizeof(name), fn)) {
		unsigned char b[4];
		uint32_t word, key, want;

		name[strcspn(name, "\r\n")] = '\0';
		if (!name[0])
			continue;
		if (fread(b, 1, 4, fw) != 4) {
			fprintf(stderr, "sysreg_asm: fewer words than names at %s\n", name);
			return 2;
		}
		word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
		if (AV_FIELD_GET(INSN_SYSREG_FIXED, word) != 0x354) {
			fprintf(stderr, "sysreg_asm: %s: %#010x is not MRS/MSR\n", name, word);
			bad++;
			continue;
		}
		key = AV_SYSREG(AV_FIELD_GET(INSN_SYSREG_OP0, word), AV_FIELD_GET(INSN_SYSREG_OP1, word),
				AV_FIELD_GET(INSN_SYSREG_CRN, word), AV_FIELD_GET(INSN_SYSREG_CRM, word),
				AV_FIELD_GET(INSN_SYSREG_OP2, word));
		if (av_sysreg_key_from_name(name, &want) != 0) {
			fprintf(stderr, "sysreg_asm: %s: not in the table\n", name);
			bad++;
		} else if (want != key) {
			char a[AV_SYSREG_NAME_MAX], t[AV_SYSREG_NAME_MAX];
			av_sysreg_format_generic(key, a, sizeof(a));
			av_sysreg_format_generic(want, t, sizeof(t));
			fprintf(stderr, "sysreg_asm: %s: assembler %s, table %s\n", name, a, t);
			bad++;
		}
		checked++;
	}
	printf("sysreg_asm: %u names checked against the assembler, %u mismatches\n", checked, bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return list();
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return check(argv[2], argv[3]);
	fprintf(stderr, "usage: sysreg_asm list | check NAMES WORDS\n");
	return 2;
}
