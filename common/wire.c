/* placeholder: being written */
typedef int vn_placeholder_wire_t;
