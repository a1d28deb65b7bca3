#ifndef MMSCTL_CUDEV_SHIM_H
#define MMSCTL_CUDEV_SHIM_H
#include <libudev.h>
#endif
