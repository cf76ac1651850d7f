/* Version strings. */
#include <stdio.h>
#include <gsl/gsl_version.h>
#include <igraph.h>
#include <yaml.h>
#include <jansson.h>
#include <hdf5.h>
#include "domino.h"
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
    /* Nothing to do: since 0.2 every library call that uses igraph or GSL installs its
     * error handlers and puts the host's back (dmi_enter/dmi_leave), and process-wide
     * choices (HDF5's clean-up at exit, signals) are the program's (src/cli/main.c). */
}
