/* Regional breaches (DESIGN.md, "Service levels and breaches"). */
#include "helpers.h"
