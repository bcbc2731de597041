// GLPK (GNU Linear Programming Kit): the LP solver of the episode upper bound
// (KMPS/Bound). Debian ships no pkg-config file for it: the header is /usr/include/glpk.h and
// the library libglpk.so, both on the default search paths.
#include <glpk.h>
