/* domino — cross-sector interdependency cascade simulator. The only header a program
 * needs: include/domino/ holds one header per topic. */
#ifndef DOMINO_H
#define DOMINO_H

#include "domino/export.h"
#include "domino/version.h"
#include "domino/error.h"
#include "domino/limits.h"
#include "domino/model.h"
#include "domino/engine.h"
#include "domino/render.h"
#include "domino/montecarlo.h"
#include "domino/output.h"
#include "domino/analysis.h"
#include "domino/sweep.h"
#include "domino/graph.h"
#include "domino/compare.h"

/* domino's version, "MAJOR.MINOR.PATCH". */
DM_EXPORT const char *dm_version(void);
/* One line per library domino uses: "igraph 0.10.2", ... into buf. */
DM_EXPORT const char *dm_library_versions(char *buf, unsigned long size);
/* Does nothing: the library needs no set-up and changes no global state of its host
 * (docs/architecture.md, "The host's state"). Kept so programs written for 0.1 build. */
DM_EXPORT void dm_init(void);

#endif
