#include "vips_shim.h"
#include <string.h>
#include <vips/vips.h>

static char last_error[512];

static int fail(void) {
    const char *text = vips_error_buffer();
    snprintf(last_error, sizeof(last_error), "%s", (text && *text) ? text : "libvips failed");
    size_t length = strlen(last_error);
    while (length > 0 && (last_error[length - 1] == '\n' || last_error[length - 1] == ' ')) {
        last_error[--length] = 0;
    }
    vips_error_clear();
    return -1;
}

int mmsctl_vips_init(void) {
    if (VIPS_INIT("mmsctl")) return fail();
    /* One image at a time: no operation cache, no worker pool beyond what a thumbnail needs. */
    vips_cache_set_max(0);
    return 0;
}

int mmsctl_vips_probe(const void *data, size_t length, int *width, int *height, char *loader, size_t loader_size) {
    const char *name = vips_foreign_find_load_buffer(data, length);
    if (!name) return fail();
    snprintf(loader, loader_size, "%s", name);
    VipsImage *image = vips_image_new_from_buffer(data, length, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!image) return fail();
    int w = vips_image_get_width(image);
    int h = vips_image_get_height(image);
    int orientation = vips_image_get_orientation(image);
    /* Orientations 5-8 turn the picture by 90 degrees. */
    if (orientation >= 5 && orientation <= 8) {
        int swap = w;
        w = h;
        h = swap;
    }
    *width = w;
    *height = h;
    g_object_unref(image);
    return 0;
}

int mmsctl_vips_thumbnail(const void *data, size_t length, int max_side, int format, int quality, void **out,
                          size_t *out_length, int *out_width, int *out_height) {
    VipsImage *thumbnail = NULL;
    if (vips_thumbnail_buffer((void *)data, length, &thumbnail, max_side, "height", max_side, "size",
                              VIPS_SIZE_DOWN, NULL))
        return fail();
    int result;
    if (format == 1) {
        result = vips_pngsave_buffer(thumbnail, out, out_length, "compression", 9, "strip", TRUE, NULL);
    } else {
        /* JPEG has no alpha: flatten onto white first. */
        VipsImage *flat = NULL;
        if (vips_image_hasalpha(thumbnail)) {
            VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
            int flattened = vips_flatten(thumbnail, &flat, "background", white, NULL);
            vips_area_unref(VIPS_AREA(white));
            if (flattened) {
                g_object_unref(thumbnail);
                return fail();
            }
        }
        result = vips_jpegsave_buffer(flat ? flat : thumbnail, out, out_length, "Q", quality, "strip", TRUE,
                                      "optimize_coding", TRUE, NULL);
        if (flat) g_object_unref(flat);
    }
    *out_width = vips_image_get_width(thumbnail);
    *out_height = vips_image_get_height(thumbnail);
    g_object_unref(thumbnail);
    return result ? fail() : 0;
}

void mmsctl_vips_free(void *buffer) { g_free(buffer); }

const char *mmsctl_vips_error(void) { return last_error; }
