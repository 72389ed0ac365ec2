/* libFuzzer target: the control socket's request parser and answers
 * (shell/ctl_req.c). The socket is an outside input: any bytes must give
 * exactly one answer -- the daemon's (here a stand-in) or a one-line
 * "error: ..." -- never a crash, a read past the input, or a multi-line
 * error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void daemon_answer(void *ctx, const struct vn_ctl_req *req, struct vn_strbuf *out)
{
	int *calls = ctx;

	(*calls)++;
	if (req->cmd > VN_CTL_METRICS)
		abort(); /* only the daemon's commands reach it */
	vn_strbuf_printf(out, "%s\n", req->json ? "{}" : "ok");
}

static void check_answer(const struct vn_strbuf *out, int calls, enum vn_ctl_cmd cmd)
{
	if (cmd == VN_CTL_MONITOR) {
		if (out->len != 0 || calls != 0)
			abort();
		return;
	}
	if (out->len == 0 || out->p[out->len - 1] != '\n')
		abort();
	if (calls == 0 && cmd != VN_CTL_HELP) {
		/* an error: one line, printable */
		if (strncmp(out->p, "error: ", 7) != 0 || memchr(out->p, '\n', out->len) != out->p + out->len - 1)
			abort();
		for (size_t i = 0; i + 1 < out->len; i++)
			if ((unsigned char)out->p[i] < 0x20 || (unsigned char)out->p[i] >= 0x7f)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_strbuf out = { 0 };
	struct vn_ctl_req req;
	char word[64], *line;
	enum vn_ctl_cmd cmd;
	int calls = 0;

	/* The server reads at most VN_CTL_LINE_MAX bytes of a request. */
	if (size > VN_CTL_LINE_MAX)
		size = VN_CTL_LINE_MAX;
	/* An exact-size copy, so ASan catches a read past the request. */
	line = malloc(size ? size : 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	cmd = vn_ctl_parse_req(line, size, &req, word);
	if (cmd != req.cmd || cmd > VN_CTL_BADARG || strlen(word) > 63)
		abort();
	vn_ctl_answer(line, size, daemon_answer, &calls, &out);
	check_answer(&out, calls, cmd);
	vn_strbuf_free(&out);
	free(line);
	return 0;
}
