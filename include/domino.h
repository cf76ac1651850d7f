/* domino — cross-sector interdependency cascade simulator. The only header a program
 * needs: include/domino/ holds one header per topic. */
#ifndef DOMINO_H
#define DOMINO_H

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

/* domino's version, "MAJOR.MINOR.PATCH". */
const char *dm_version(void);
/* One line per library domino uses: "igraph 0.10.2", ... into buf. */
const char *dm_library_versions(char *buf, unsigned long size);
/* Switches igraph's and GSL's error handlers to "return, don't abort or print". Call once
 * at start-up, before any other thread exists. */
void dm_init(void);

#endif
