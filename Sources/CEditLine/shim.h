#ifndef KVSH_CEDITLINE_SHIM_H
#define KVSH_CEDITLINE_SHIM_H
#include <stdio.h>
#include <histedit.h>
#endif
