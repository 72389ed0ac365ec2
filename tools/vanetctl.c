/* vanetctl: asks a running obud or rsud something over its control socket.
 *   vanetctl [-s SOCKET] [-j] [-o FILE] COMMAND
 * Exit 0 on an answer, 1 if the daemon cannot be reached or answers with an
 * error, 2 on bad usage. "monitor" streams until interrupted (exit 0) or
 * until the daemon closes the stream (exit 1). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const default_sockets[] = { "/run/vanet/obud.sock", "/run/vanet/rsud.sock" };

struct opts {
	const char *path, *cmd, *out_file;
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vanetctl [-s SOCKET] [-j] [-o FILE] COMMAND\n"
		"  -s SOCKET  control socket (default %s, else %s)\n"
		"  -j         JSON (status, counters, neighbours, routes; monitor: JSON lines)\n"
		"  -o FILE    write the answer to FILE atomically (temporary file + rename)\n"
		"  COMMAND    status | counters | neighbours | routes | metrics | monitor | help\n",
		default_sockets[0], default_sockets[1]);
}

/* 0, or the exit code for a usage error. */
static int parse_args(int argc, char *argv[], struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc && o->path == NULL) {
			o->path = argv[++i];
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && o->out_file == NULL) {
			o->out_file = argv[++i];
		} else if (strcmp(argv[i], "-j") == 0) {
			o->json = true;
		} else if (argv[i][0] != '-' && o->cmd == NULL) {
			o->cmd = argv[i];
		} else {
			return 2;
		}
	}
	if (o->cmd == NULL || strlen(o->cmd) > 200 || strchr(o->cmd, '\n') != NULL)
		return 2;
	if (o->out_file != NULL && strcmp(o->cmd, "monitor") == 0)
		return 2; /* a stream has no end to rename at */
	return 0;
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

/* Copies the answer to out; returns 0, 1 if it was an error answer or
 * nothing came. */
static int relay(int fd, const char *path, FILE *out)
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
		if (total == 0 && n >= 6 && memcmp(buf, "error:", 6) == 0) {
			rc = 1;
			out = stdout; /* an error is for the operator, not the file */
		}
		fwrite(buf, 1, (size_t)n, out);
		total += (size_t)n;
	}
	if (total == 0) {
		fprintf(stderr, "vanetctl: %s: closed without an answer\n", path);
		return 1;
	}
	return rc;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* monitor: line by line to stdout until a signal (0) or the daemon ends
 * the stream (1). No timeout: events may be minutes apart. */
static int stream(int fd, const char *path)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	struct timeval none = { 0 };
	char buf[4096];

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	while (!interrupted) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "vanetctl: %s: the daemon ended the stream\n", path);
			return 1;
		}
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0)
			return 1; /* e.g. the reading end of a pipe went away */
		if (n >= 6 && memcmp(buf, "error:", 6) == 0)
			return 1;
	}
	return 0;
}

/* -o: the answer goes to a temporary file next to FILE, renamed over it
 * only when complete, so a reader (node-exporter) never sees half of it. */
static int ask_to_file(int fd, const char *path, const char *file)
{
	char tmp[4096];
	FILE *f;
	int tfd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file) >= (int)sizeof(tmp)) {
		fprintf(stderr, "vanetctl: %s: name too long\n", file);
		return 1;
	}
	tfd = mkstemp(tmp);
	if (tfd < 0 || fchmod(tfd, 0644) < 0 || (f = fdopen(tfd, "w")) == NULL) {
		fprintf(stderr, "vanetctl: %s: %s\n", tmp, strerror(errno));
		if (tfd >= 0) {
			close(tfd);
			unlink(tmp);
		}
		return 1;
	}
	rc = relay(fd, path, f);
	if (fflush(f) != 0 || fsync(tfd) != 0) {
		fprintf(stderr, "vanetctl: %s: %s\n", tmp, strerror(errno));
		rc = 1;
	}
	fclose(f);
	if (rc == 0 && rename(tmp, file) < 0) {
		fprintf(stderr, "vanetctl: %s: %s\n", file, strerror(errno));
		rc = 1;
	}
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static int open_socket(struct opts *o)
{
	int fd;

	if (o->path != NULL) {
		fd = connect_to(o->path);
	} else {
		/* Whichever daemon runs here (a node runs one of them). */
		fd = -1;
		for (size_t i = 0; i < 2 && fd < 0; i++) {
			o->path = default_sockets[i];
			fd = connect_to(o->path);
		}
	}
	if (fd < 0)
		fprintf(stderr, "vanetctl: cannot connect to %s: %s\n", o->path, strerror(errno));
	return fd;
}

int main(int argc, char *argv[])
{
	struct opts o;
	char line[256];
	bool monitor;
	int fd, rc;

	if (parse_args(argc, argv, &o) != 0) {
		usage(stderr);
		return 2;
	}
	monitor = strcmp(o.cmd, "monitor") == 0;
	if ((fd = open_socket(&o)) < 0)
		return 1;
	/* help and metrics have one form only: -j is ignored for them. */
	if (strcmp(o.cmd, "help") == 0 || strcmp(o.cmd, "metrics") == 0)
		o.json = false;
	snprintf(line, sizeof(line), "%s%s\n", o.cmd, o.json ? " json" : "");
	if (send_all(fd, line, strlen(line)) < 0) {
		fprintf(stderr, "vanetctl: %s: %s\n", o.path, strerror(errno));
		close(fd);
		return 1;
	}
	if (monitor) {
		/* The write side stays open: the daemon takes its end for "gone". */
		rc = stream(fd, o.path);
	} else {
		shutdown(fd, SHUT_WR);
		rc = o.out_file != NULL ? ask_to_file(fd, o.path, o.out_file)
					: relay(fd, o.path, stdout);
	}
	close(fd);
	if (fflush(stdout) != 0)
		return 1;
	return rc;
}
