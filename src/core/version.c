/* Version strings and one-time library set-up. */
#include <stdio.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <igraph.h>
#include <yaml.h>
#include <jansson.h>
#include "domino.h"
#include "domino_config.h"

const char *dm_version(void) { return DOMINO_VERSION; }

const char *dm_library_versions(char *buf, unsigned long size)
{
    const char *ig = NULL;
    igraph_version(&ig, NULL, NULL, NULL);
    snprintf(buf, size, "igraph %s\nGSL %s\nlibyaml %s\njansson %s\n", ig, gsl_version,
             yaml_get_version_string(), JANSSON_VERSION);
    return buf;
}

void dm_init(void)
{
    /* Library errors are checked at every call and reported through dm_error; the
     * default handlers would abort (GSL) or print (igraph) instead. */
    gsl_set_error_handler_off();
    igraph_set_error_handler(igraph_error_handler_ignore);
    igraph_set_warning_handler(igraph_warning_handler_ignore);
}
