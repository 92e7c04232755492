#ifndef OCPIZZA_CLIBXML2_SHIM_H
#define OCPIZZA_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU, so <libxml/encoding.h> pulls in the system ICU headers, whose
// UErrorCode clashes with Foundation's _FoundationICU in any module that imports both. The clash
// only shows on a clean build. Including xmlversion.h first and undefining LIBXML_ICU_ENABLED
// keeps ICU out. Consequence: never allocate an xmlCharEncodingHandler from Swift.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/HTMLparser.h>

// xmlFree is a mutable global function pointer, which Swift 6 rejects as not concurrency-safe.
static inline void ocxml_free(void *pointer) { xmlFree(pointer); }

#endif
