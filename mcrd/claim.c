/* Namespace-wide claims on rule inputs (see claim.h). */
#include "claim.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"

int claim_input(const struct mcr_input *in)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char g[MCR_ADDRSTRLEN], s[MCR_ADDRSTRLEN];
	int fd, n, err;

	/* sun_path[0] = 0: the abstract namespace; the name is what follows. */
	n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "mcrd/input/%s/%s/%u/%s", in->dev,
		     mcr_addr_str(in->group, g), in->port, mcr_addr_str(in->source, s));
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path) - 1)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
							  1 + (size_t)n)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
