/* mcrd's version, as mcrd -V and the metrics' build info show it. */
#ifndef MCRD_VERSION_H
#define MCRD_VERSION_H

#define MCRD_VERSION "0.1.0"

#endif
