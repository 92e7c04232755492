#ifndef OCPIZZA_CLIBCRYPTO_SHIM_H
#define OCPIZZA_CLIBCRYPTO_SHIM_H

// OpenSSL's libcrypto, for SHA-256 of input files and backups (hardware-accelerated, streaming).
#include <openssl/evp.h>

#endif
