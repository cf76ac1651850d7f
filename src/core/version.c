/* Version strings and one-time library set-up. */
#include <stdio.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <igraph.h>
#include <yaml.h>
#include <jansson.h>
#include <hdf5.h>
#include "domino.h"
#include "domino/graph.h"
#include "domino_config.h"

const char *dm_version(void) { return DOMINO_VERSION; }

const char *dm_library_versions(char *buf, unsigned long size)
{
    const char *ig = NULL;
    igraph_version(&ig, NULL, NULL, NULL);
    unsigned h5maj = 0, h5min = 0, h5rel = 0;
    H5get_libversion(&h5maj, &h5min, &h5rel);
    snprintf(buf, size, "igraph %s\nGSL %s\nHDF5 %u.%u.%u\nlibyaml %s\njansson %s\n", ig, gsl_version,
             h5maj, h5min, h5rel, yaml_get_version_string(), JANSSON_VERSION);
    return buf;
}

void dm_init(void)
{
    /* domino closes every HDF5 file it opens. HDF5's own clean-up at exit would try to
     * close again a file whose writing failed (a full disk), and HDF5 1.10 crashes doing
     * so; without it, such a failure ends with our error message and exit code. */
    H5dont_atexit();
    /* Library errors are checked at every call and reported through dm_error; the
     * default handlers would abort (GSL) or print (igraph) instead. */
    gsl_set_error_handler_off();
    igraph_set_error_handler(dm_igraph_error_handler);
    igraph_set_warning_handler(igraph_warning_handler_ignore);
}
