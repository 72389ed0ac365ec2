/* vanetctl: asks a running obud or rsud something over its control socket.
 *   vanetctl [-s SOCKET] COMMAND
 * Exit 0 on an answer, 1 if the daemon cannot be reached or answers with an
 * error, 2 on bad usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const default_sockets[] = { "/run/vanet/obud.sock", "/run/vanet/rsud.sock" };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vanetctl [-s SOCKET] COMMAND\n"
		"  -s SOCKET  control socket (default %s, else %s)\n"
		"  COMMAND    status | counters | help\n",
		default_sockets[0], default_sockets[1]);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa;
	struct timeval tv = { .tv_sec = 5 };
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A wedged daemon must not wedge the operator's shell too. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies the answer to stdout; returns 0, 1 if it was an error answer. */
static int relay(int fd, const char *path)
{
	char buf[4096];
	size_t total = 0;
	int rc = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vanetctl: %s: %s\n", path,
				errno == EAGAIN ? "no answer (timed out)" : strerror(errno));
			return 1;
		}
		if (n == 0)
			break;
		if (total == 0 && n >= 6 && memcmp(buf, "error:", 6) == 0)
			rc = 1;
		fwrite(buf, 1, (size_t)n, stdout);
		total += (size_t)n;
	}
	if (total == 0) {
		fprintf(stderr, "vanetctl: %s: closed without an answer\n", path);
		return 1;
	}
	return rc;
}

int main(int argc, char *argv[])
{
	const char *path = NULL, *cmd = NULL;
	char line[256];
	int fd = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc && path == NULL) {
			path = argv[++i];
		} else if (argv[i][0] != '-' && cmd == NULL) {
			cmd = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (cmd == NULL || strlen(cmd) > sizeof(line) - 2 || strchr(cmd, '\n') != NULL) {
		usage(stderr);
		return 2;
	}
	if (path != NULL) {
		fd = connect_to(path);
	} else {
		/* Whichever daemon runs here (a node runs one of them). */
		for (size_t i = 0; i < 2 && fd < 0; i++) {
			path = default_sockets[i];
			fd = connect_to(path);
		}
	}
	if (fd < 0) {
		fprintf(stderr, "vanetctl: cannot connect to %s: %s\n", path, strerror(errno));
		return 1;
	}
	snprintf(line, sizeof(line), "%s\n", cmd);
	if (send_all(fd, line, strlen(line)) < 0) {
		fprintf(stderr, "vanetctl: %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	int rc = relay(fd, path);

	close(fd);
	if (fflush(stdout) != 0)
		return 1;
	return rc;
}
