/* SPDX-License-Identifier: MIT */
/* The library's version (armvirt/version.h, generated from project(VERSION)). */
#include <armvirt/version.h>

long av_version(void)
{
	return AV_VERSION;
}

const char *av_version_string(void)
{
	return AV_VERSION_STRING;
}
