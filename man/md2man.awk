# md2man.awk: fills a man page template with sections of a markdown file,
# so that a man page and its markdown document cannot drift apart.
#
#   awk -v version=0.1.0 -v confdir=/etc/vanet -v sbindir=/usr/sbin \
#       -f md2man.awk docs/configuration.md man/vanet.conf.5.in > vanet.conf.5
#
# The first file is the markdown, the second the roff template. In the
# template, a line
#   @INSERT Title@   becomes the whole "## Title" section of the markdown
#                    (### headings -> .SS, paragraphs -> .PP, "* " lists ->
#                    .IP, code blocks -> .EX/.EE, tables -> .TP entries),
#   @TABLE Title@    only its tables;
# and @VANET_VERSION@, @VANET_CONFDIR@, @VANET_SBINDIR@ are replaced in the
# template's other lines. A table becomes one .TP entry per row: the first
# cell is the tag, the last the text, the cells between a line "Header:
# value; ...". Inline markdown: `code` -> bold, **bold**, *italic*,
# [text](link) -> text. Non-ASCII characters are mapped to roff escapes; one
# without a mapping, an unknown @...@ directive or a title not found is an
# error (exit 1), so that nothing is lost silently. Plain POSIX awk (mawk).

function fail(msg) {
	printf "md2man.awk: %s\n", msg > "/dev/stderr"
	failed = 1
	exit 1
}

# font(): the roff font for the current inline state
function font() {
	if (in_code || in_bold)
		return "B"
	if (in_ital)
		return "I"
	return "R"
}

function setfont(    f) {
	f = font()
	if (f == cur_font)
		return ""
	cur_font = f
	return "\\f" f
}

function utf8(s) {
	gsub(/—/, "\\(em", s)
	gsub(/–/, "\\(en", s)
	gsub(/−/, "\\(mi", s)
	gsub(/±/, "\\(+-", s)
	gsub(/×/, "\\(mu", s)
	gsub(/¼/, "\\(14", s)
	gsub(/½/, "\\(12", s)
	gsub(/…/, "\\&...", s)
	gsub(/→/, "\\(->", s)
	gsub(/←/, "\\(<-", s)
	gsub(/≤/, "\\(<=", s)
	gsub(/≥/, "\\(>=", s)
	gsub(/≠/, "\\(!=", s)
	gsub(/°/, "\\(de", s)
	gsub(/µ/, "\\(mc", s)
	if (s ~ /[^ -~\t]/)
		fail(FILENAME ":" FNR ": no roff mapping for a character in: " s)
	return s
}

# inline(s): markdown inline text -> roff text (one line)
function inline(s,    out, i, n, c, c2, j, k) {
	in_code = in_bold = in_ital = 0
	cur_font = "R"
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		c2 = substr(s, i, 2)
		if (c == "`") {
			in_code = !in_code
			out = out setfont()
		} else if (in_code) {
			if (c == "\\")
				out = out "\\e"
			else if (c == "-")
				out = out "\\-"
			else
				out = out c
		} else if (c2 == "**") {
			in_bold = !in_bold
			out = out setfont()
			i++
		} else if (c == "*" && (in_ital || substr(s, i + 1, 1) ~ /[^ ]/) &&
			   !(c == "*" && i == 1 && substr(s, 2, 1) == " ")) {
			in_ital = !in_ital
			out = out setfont()
		} else if (c == "[" && (j = index(substr(s, i), "](")) > 0 &&
			   (k = index(substr(s, i + j + 1), ")")) > 0) {
			# [text](link): the text only (converted on its own)
			out = out substr(s, i + 1, j - 2)
			i = i + j + k
		} else if (c == "\\") {
			out = out "\\e"
		} else {
			out = out c
		}
	}
	if (in_code || in_bold || in_ital)
		fail(FILENAME ":" FNR ": unbalanced ` or * in: " s)
	if (cur_font != "R")
		out = out "\\fR"
	out = utf8(out)
	# a text line must not start a request
	if (out ~ /^[.']/)
		out = "\\&" out
	return out
}

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

# splitrow(line, cells): "| a | b |" -> cells[1..n]; returns n
function splitrow(line, cells,    n, i, parts, m) {
	line = trim(line)
	sub(/^\|/, "", line)
	sub(/\|$/, "", line)
	m = split(line, parts, "|")
	n = 0
	for (i = 1; i <= m; i++)
		cells[++n] = trim(parts[i])
	return n
}

function emit(s) {
	printf "%s\n", s
}

# convert(title, tables_only): writes the "## title" section as roff
function convert(title, tables_only,    i, line, in_sec, found, in_fence, in_table,
		 hdr, nh, cells, nc, j, meta, para) {
	found = 0
	in_sec = 0
	in_fence = 0
	in_table = 0
	para = 0
	for (i = 1; i <= nmd; i++) {
		line = md[i]
		if (!in_fence && line ~ /^## /) {
			if (in_sec)
				break
			if (trim(substr(line, 4)) == title) {
				in_sec = found = 1
			}
			continue
		}
		if (!in_sec)
			continue
		FNR = i		# for fail() messages
		if (line ~ /^```/) {
			in_fence = !in_fence
			if (!tables_only)
				emit(in_fence ? (after_ss ? ".EX" : ".PP\n.EX") : ".EE")
			after_ss = 0
			continue
		}
		if (in_fence) {
			if (tables_only)
				continue
			gsub(/\\/, "\\e", line)
			line = utf8(line)
			if (line ~ /^[.']/)
				line = "\\&" line
			emit(line)
			continue
		}
		if (line ~ /^\|/) {
			if (!in_table) {
				nh = splitrow(line, hdr)
				in_table = 1
				continue
			}
			if (line ~ /^\|[-| :]+\|$/)
				continue
			nc = splitrow(line, cells)
			if (nc != nh)
				fail("docs line " i ": " nc " cells in a table of " nh " columns")
			emit(".TP")
			after_ss = 0
			emit(inline(cells[1]))
			if (nc > 2) {
				meta = ""
				for (j = 2; j < nc; j++)
					meta = meta (j > 2 ? "; " : "") \
					       toupper(substr(hdr[j], 1, 1)) substr(hdr[j], 2) ": " cells[j]
				emit(inline(meta) ".")
				emit(".br")
			}
			emit(inline(cells[nc]))
			continue
		}
		if (in_table)
			after_ss = 0
		in_table = 0
		if (tables_only)
			continue
		if (line ~ /^### /) {
			emit(".SS " inline(trim(substr(line, 5))))
			para = 0
			after_ss = 1
		} else if (trim(line) == "") {
			para = 0
		} else if (line ~ /^ *[*-] /) {
			sub(/^ *[*-] /, "", line)
			emit(".IP \\(bu 2")
			after_ss = 0
			emit(inline(line))
			para = 1
		} else {
			if (!para && !after_ss && line !~ /^   */)
				emit(".PP")
			emit(inline(trim(line)))
			para = 1
			after_ss = 0
		}
	}
	if (!found)
		fail("no section '## " title "' in the markdown")
}

NR == FNR {
	md[++nmd] = $0
	next
}

/^@INSERT .*@$/ || /^@TABLE .*@$/ {
	t = $0
	sub(/^@[A-Z]+ /, "", t)
	sub(/@$/, "", t)
	convert(t, $0 ~ /^@TABLE/)
	next
}

{
	line = $0
	gsub(/@VANET_VERSION@/, version, line)
	gsub(/@VANET_CONFDIR@/, confdir, line)
	gsub(/@VANET_SBINDIR@/, sbindir, line)
	if (line ~ /@[A-Z_ ]+@/)
		fail(FILENAME ":" FNR ": unknown directive or variable: " line)
	print line
}

END {
	if (failed)
		exit 1
	if (nmd == 0)
		fail("empty markdown file")
}
