// libxml2 (Debian libxml2-dev): the tree parser and its error reporting, used only by the
// XML-RPC codec in XenopsRPC.
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, whose headers clash with the ICU copy Foundation ships
// (`UErrorCode` defined twice with different members). The codec never converts encodings
// (it reads UTF-8 only) nor touches xmlCharEncodingHandler's ICU fields, so hide them.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
