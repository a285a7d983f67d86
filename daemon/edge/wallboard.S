/* The wallboard page, daemon/edge/wallboard.html, embedded at build time. */
	.section .rodata
	.globl	wallboard_html
	.type	wallboard_html, @object
wallboard_html:
	.incbin	"daemon/edge/wallboard.html"
	.globl	wallboard_html_end
wallboard_html_end:
	.byte	0
	.section .note.GNU-stack, "", @progbits
