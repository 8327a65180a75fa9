-- expect: safe
CREATE TABLE scratch_import (id int, raw text);
DROP TABLE scratch_import;
