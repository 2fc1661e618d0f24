export { encodeNpyHeader, parseNpyHeader, bytesPerElement, type NpyDescr, type NpyHeader } from './header.js';
export { encodeKvCacheNpy, kvNpyShape, collectBytes, type NpyDtype, type NpyStream } from './encode.js';
export { decodeNpy, type DecodedNpy } from './decode.js';
