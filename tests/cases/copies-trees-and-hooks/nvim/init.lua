require("plugins")
