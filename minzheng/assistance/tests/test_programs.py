def test_programs_fixture(programs):
    assert programs.tekun.base_scheme == programs.dibao
