package slo

import "errors"

func parseOpenSLO(_ []byte, _ string) ([]SLO, error) {
	return nil, errors.New("OpenSLO files (apiVersion: openslo/v1) are not supported yet; write the SLO in mlre's native format or as a Sloth spec")
}
