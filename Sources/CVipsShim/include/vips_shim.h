#ifndef MMSCTL_VIPS_SHIM_H
#define MMSCTL_VIPS_SHIM_H
#include <stddef.h>

/// Non-variadic wrappers around the libvips calls mmsctl needs (libvips's API takes NULL-terminated
/// option lists, which Swift cannot call). Every function returns 0 on success; on failure
/// mmsctl_vips_error() says why. Output buffers are freed with mmsctl_vips_free().

int mmsctl_vips_init(void);
/// Width and height as displayed (the EXIF orientation applied), and the loader's name.
int mmsctl_vips_probe(const void *data, size_t length, int *width, int *height, char *loader, size_t loader_size);
/// Shrinks the image so that neither displayed side exceeds max_side (never enlarges), turned upright
/// by its EXIF orientation, metadata stripped, and saves it as JPEG (format 0, quality 1-100) or PNG
/// (format 1, quality ignored).
int mmsctl_vips_thumbnail(const void *data, size_t length, int max_side, int format, int quality, void **out,
                          size_t *out_length, int *out_width, int *out_height);
void mmsctl_vips_free(void *buffer);
/// The last error, with libvips's error buffer cleared.
const char *mmsctl_vips_error(void);
#endif
