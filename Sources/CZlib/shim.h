#ifndef BACKPROP_CZLIB_SHIM_H
#define BACKPROP_CZLIB_SHIM_H

#include <zlib.h>

/* inflateInit2 is a macro; Swift cannot call macros, so wrap it.
   windowBits 15 + 32: the largest window, with automatic zlib/gzip header detection. */
static inline int backprop_inflate_init(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

#endif
