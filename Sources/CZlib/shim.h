#ifndef BACKPROP_CZLIB_SHIM_H
#define BACKPROP_CZLIB_SHIM_H

#include <zlib.h>

/* inflateInit2 is a macro; Swift cannot call macros, so wrap it.
   windowBits 15 + 32: the largest window, with automatic zlib/gzip header detection. */
static inline int backprop_inflate_init(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

/* deflateInit2 is a macro too: gzip output (windowBits 15 + 16), memory level 8. */
static inline int backprop_deflate_init(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

#endif
