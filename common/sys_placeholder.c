/* placeholder: being written */
typedef int vn_placeholder_sys_placeholder_t;
